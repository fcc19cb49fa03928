"""Create the four policy pages with their first text; staff edit them in the admin."""

from django.db import migrations

PAGES = [
    (
        "about",
        "About us & contact",
        """OkPuja brings Vedic pujas to your home, to a temple near you or to your screen. Every puja is performed by an experienced pandit who follows the vidhi of your tradition, in the language you choose, at a muhurat that suits your family.

## What we do
- Pujas at your home: the pandit comes to your address with the samagri when your package includes it.
- Pujas at the temple: performed in your name at a partner temple; you can attend or watch.
- Online pujas: the pandit performs the puja on a video call and takes your sankalp live.

## How booking works
Choose a puja, a package and a time. Pay securely on PhonePe. Your booking is confirmed only after the payment succeeds, and we email you the details at once. We assign a pandit and share his name and phone number before the puja day.

## Talk to us
We answer calls and WhatsApp messages from 8 AM to 8 PM IST, every day including festivals. Our contact details, registered address and GSTIN are listed on this page.""",
    ),
    (
        "terms",
        "Terms of service",
        """These terms apply when you browse OkPuja or book a puja with us. By placing a booking you accept them.

## Our service
OkPuja arranges pujas performed by independent, verified pandits at your home, at a partner temple or online. The description, duration, number of priests and whether samagri is included are shown on each puja's page and on your booking.

## Prices and payment
- All prices are in Indian rupees (INR) and include applicable taxes unless stated otherwise.
- Payments are processed by PhonePe (UPI, cards, net banking, wallets). We never see or store your card or UPI PIN.
- A booking is confirmed only after PhonePe confirms the payment. If money is taken but we cannot confirm the booking, we refund it in full automatically.

## Your booking
- Please give a correct address, phone number and the names for the sankalp. The pandit relies on them.
- For pujas at home, arrange a clean place for the puja and any items the package does not include.
- The pandit may arrive up to 30 minutes around the booked time because of traffic; the full duration of the puja is always performed.

## Cancellation, rescheduling and refunds
Cancellations, reschedules and refunds follow our Cancellation & refund policy.

## Conduct
We may refuse or cancel a booking, with a full refund, if a request is unlawful, unsafe for the pandit, or abusive.

## Liability
Pujas are religious services; we do not promise any particular outcome. Our liability for any booking is limited to the amount you paid for it.

## Governing law
These terms are governed by the laws of India. Courts at the city of our registered office have jurisdiction.

## Contact
For any question or complaint about a booking, contact us using the details on our About us & contact page.""",
    ),
    (
        "privacy",
        "Privacy policy",
        """This policy explains what personal data OkPuja collects, why, and what choices you have. It follows the Digital Personal Data Protection Act, 2023 and the Information Technology Act, 2000.

## What we collect
- Your name, email address and mobile number when you sign up.
- The addresses where pujas take place.
- The sankalp details you give for a puja (family names, gotra, nakshatra or rashi, occasion).
- Your bookings and payment references. Card, UPI and bank details are entered on PhonePe's page and never reach us.

## Why we use it
- To perform and manage your bookings: the assigned pandit receives the address, your phone number and the sankalp details for that puja only.
- To send booking confirmations, reminders, invoices and refund updates.
- To meet legal duties such as tax records.
We do not sell your data and do not send marketing messages without your consent.

## Who we share it with
- The pandit assigned to your puja.
- PhonePe, to process payments and refunds.
- Our email and hosting providers, under contracts that protect your data.
- Authorities, when the law requires it.

## How long we keep it
Booking and payment records are kept for 8 years for tax and accounting law. You can delete saved addresses at any time in your account.

## Your rights
You may ask to see, correct or erase your personal data, or withdraw consent, by writing to our grievance officer at the email address on our About us & contact page. We answer within 30 days.

## Cookies
We use only the cookies needed to keep you signed in, keep your cart and protect forms; no advertising cookies.""",
    ),
    (
        "cancellation-refund",
        "Cancellation & refund policy",
        """We know plans change. You can cancel or reschedule a booking yourself from My bookings, or ask us to do it for you.

## Cancelling a booking
- 48 hours or more before the puja: full refund.
- Between 24 and 48 hours before the puja: 50% refund.
- Less than 24 hours before the puja: no refund, because the pandit has set the day aside and the samagri is prepared.

## Rescheduling
You can move a booking to another free time of the same package, free of charge, up to 24 hours before the puja. Closer to the puja, please call us and we will try to help.

## If we cannot perform the puja
If we cancel, or the pandit does not arrive, you get a full refund or a new time of your choice.

## Failed or doubled payments
If money was taken but your booking was not confirmed, for example because the payment finished after the time was taken by someone else, the full amount is refunded automatically. You do not need to ask.

## How refunds are paid
Refunds go back to the original payment method through PhonePe. Refunds usually reach you within 5 to 7 working days; UPI refunds are often faster. We email you when a refund starts and show its progress on your booking.

## Need help?
Contact us using the details on our About us & contact page, with your booking number (BK-...).""",
    ),
]


def create_pages(apps, schema_editor):
    Page = apps.get_model("storefront", "Page")
    for slug, title, body in PAGES:
        Page.objects.get_or_create(slug=slug, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("storefront", "0003_page")]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
