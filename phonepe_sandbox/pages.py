"""The hosted payment page (``/transact/uat_v2``): plain HTML, inline CSS, no JavaScript."""

import html

from .payloads import DECLINE_REASONS

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f0fa;
margin:0;color:#1f1d2b}
main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;
box-shadow:0 4px 18px rgba(60,20,120,.12)}
h1{font-size:1.1rem;color:#5f259f;margin:0 0 .25rem}
.sandbox{display:inline-block;font-size:.75rem;background:#fde68a;color:#713f12;
border-radius:4px;padding:.1rem .4rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem;margin:1.5rem 0}
dt{color:#6b6880}dd{margin:0;font-weight:600;word-break:break-all}
.amount{font-size:1.6rem}
form{margin:.75rem 0}
button{width:100%;padding:.75rem;font-size:1rem;border-radius:8px;border:1px solid #5f259f;
background:#5f259f;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#5f259f}
button.danger{background:#b91c1c;border-color:#b91c1c}
button:focus{outline:3px solid #f59e0b;outline-offset:2px}
label{display:block;margin-bottom:.3rem;color:#6b6880}
select{width:100%;padding:.5rem;margin-bottom:.5rem;font-size:1rem}
fieldset{border:1px solid #e4e0ef;border-radius:8px;padding:.75rem}
legend{color:#6b6880;font-size:.9rem}
.notice{padding:1rem;border-radius:8px;background:#fef2f2;color:#7f1d1d}
a{color:#5f259f}
"""


def rupees(paise):
    """Format paise as Indian rupees: 149900 -> '₹1,499.00', 12345678 -> '₹1,23,456.78'."""
    sign = "-" if paise < 0 else ""
    rupee, paisa = divmod(abs(int(paise)), 100)
    text = str(rupee)
    if len(text) > 3:
        head, tail = text[:-3], text[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        text = ",".join(groups + [tail])
    return f"{sign}₹{text}.{paisa:02d}"


def _document(title, body):
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def _summary(order, config):
    e = html.escape
    return f"""<h1>{e(config.merchant_name)}</h1>
<span class="sandbox">PhonePe sandbox: no real money moves</span>
<dl>
<dt>Merchant</dt><dd data-testid="merchant">{e(config.merchant_name)} ({e(config.merchant_id)})</dd>
<dt>Order</dt><dd data-testid="merchant-order-id">{e(order["merchantOrderId"])}</dd>
<dt>Amount</dt><dd class="amount" data-testid="amount">{e(rupees(order["amount"]))}</dd>
</dl>"""


def payment_page(order, config):
    e = html.escape
    token = e(order["pageToken"])
    options = "\n".join(
        f'<option value="{e(code)}/{e(detail)}">{e(description)} ({e(code)}/{e(detail)})</option>'
        for code, (detail, _source, _stage, description) in DECLINE_REASONS.items()
    )

    def choice(action, label, testid, css=""):
        return f"""<form method="post" action="/transact/uat_v2">
<input type="hidden" name="token" value="{token}">
<input type="hidden" name="action" value="{action}">
<button type="submit" class="{css}" data-testid="{testid}">{label}</button>
</form>"""

    body = f"""{_summary(order, config)}
<h2 style="font-size:1rem">Choose how this payment ends</h2>
{choice("pay_upi", "Pay with UPI", "pay-upi")}
{choice("pay_card", "Pay with card", "pay-card")}
<form method="post" action="/transact/uat_v2">
<fieldset>
<legend>Decline</legend>
<input type="hidden" name="token" value="{token}">
<input type="hidden" name="action" value="decline">
<label for="error_code">Failure reason</label>
<select id="error_code" name="error_code" data-testid="decline-reason">
{options}
</select>
<button type="submit" class="danger" data-testid="decline">Decline payment</button>
</fieldset>
</form>
{choice("pending", "Leave pending", "leave-pending", "secondary")}"""
    return _document(f"Pay {rupees(order['amount'])} to {config.merchant_name}", body)


def closed_page(order, config, problem):
    e = html.escape
    if problem == "expired":
        message = "This payment link has expired. No money was taken."
    else:
        message = f"This order is already {e(order['state'].lower())}."
    body = f"""{_summary(order, config)}
<p class="notice" role="status" data-testid="closed">{message}</p>
<p><a href="{e(order["redirectUrl"])}" data-testid="back-to-merchant">Return to {e(config.merchant_name)}</a></p>"""
    return _document("Payment closed", body)


def not_found_page():
    body = """<h1>Payment not found</h1>
<p class="notice" role="status">This payment link is not valid. Start the payment again from
the merchant's site.</p>"""
    return _document("Payment not found", body)
