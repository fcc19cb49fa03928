"""Staff sign-in hardening: failed admin logins are counted in the database and throttled."""
