"""Load a realistic demo catalog, slots, promo codes and a demo customer.

Idempotent: rows are matched by slug, code or email and updated, so running it
twice leaves the same counts.
"""

import datetime
import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from storefront.management.demo_data_hi import (
    CATEGORIES_HI,
    DEMO_TEMPLE_HI,
    SERVICES_HI,
    SLOT_LABELS_HI,
)
from storefront.models import (
    Address,
    Category,
    Package,
    PromoCode,
    Service,
    SlotCapacityOverride,
    TimeSlot,
    User,
)

CATEGORIES = [
    ("ganesh", "Ganesh Puja", "Begin every new venture with Vighnaharta's blessings."),
    ("lakshmi", "Lakshmi Puja", "For prosperity, wealth and harmony in the home."),
    (
        "navagraha",
        "Navagraha Shanti",
        "Pacify the nine planets and ease doshas in the kundli.",
    ),
    (
        "griha-pravesh",
        "Griha Pravesh",
        "House-warming rituals for a new home or office.",
    ),
    (
        "satyanarayan",
        "Satyanarayan Katha",
        "The beloved katha of Lord Vishnu for family occasions.",
    ),
    (
        "rudrabhishek",
        "Rudrabhishek",
        "Abhishek of Lord Shiva with Vedic Rudram chanting.",
    ),
    (
        "durga",
        "Durga & Devi Puja",
        "Invoke the Divine Mother for strength and protection.",
    ),
    ("havan", "Havan & Homam", "Fire rituals with Vedic mantras and ahutis."),
    (
        "shraddh",
        "Shraddh & Pitru Karya",
        "Rites for ancestors: tarpan, pind daan and Narayan Bali.",
    ),
    ("samskara", "Samskaras", "Life-event ceremonies: naamkaran, mundan, upanayan."),
]

# Where the demo's temple pujas happen (shown at checkout instead of an address).
DEMO_TEMPLE = "Sri Ganapathi Temple, 4th Block, Jayanagar, Bengaluru 560011"

# slug, category, title, kind, minutes, motif, summary, description, included
SERVICES = [
    (
        "ganesh-puja",
        "ganesh",
        "Ganesh Puja",
        "home",
        90,
        "diya-saffron",
        "Shodashopachar puja of Shri Ganesh for new beginnings.",
        "A complete sixteen-step (shodashopachar) worship of Lord Ganesha with Ganesh Atharvashirsha path, durva and modak offerings and aarti. Ideal before a new job, business, vehicle purchase or any auspicious start.",
        "Sankalp and Ganesh sthapana\nGanesh Atharvashirsha path\nModak and durva offering\nAarti and prasad distribution",
    ),
    (
        "sankashti-chaturthi-puja",
        "ganesh",
        "Sankashti Chaturthi Vrat Puja",
        "online",
        60,
        "lotus-saffron",
        "Monthly Sankashti vrat puja performed live over video.",
        "The priest performs the Sankashti Chaturthi puja in your name and gotra while you join on video. Includes chandra darshan timing for your city and the vrat katha in your language.",
        "Sankalp in your name and gotra\nVrat katha\nLive video link\nPuja recording",
    ),
    (
        "ganesh-havan",
        "ganesh",
        "Ganapati Homam",
        "home",
        150,
        "havan-saffron",
        "Ganapati homam with 1,008 ahutis to remove obstacles.",
        "A powerful fire ritual dedicated to Lord Ganesha with Ganapati Atharvashirsha and mool mantra japa, offered with modak, durva and ghee. Traditionally performed at dawn on a Wednesday or Chaturthi.",
        "Havan kund and samidha\n1,008 ahutis\nPoornahuti\nPrasad",
    ),
    (
        "lakshmi-puja",
        "lakshmi",
        "Mahalakshmi Puja",
        "home",
        120,
        "lotus-maroon",
        "Invite Goddess Lakshmi into your home with Shri Suktam.",
        "Mahalakshmi puja with Shri Suktam and Kanakadhara Stotram recitation, kalash sthapana and kumkum archana. Performed on Fridays, Diwali or Akshaya Tritiya for abundance and peace at home.",
        "Kalash sthapana\nShri Suktam path\nKumkum archana\nAarti and prasad",
    ),
    (
        "diwali-lakshmi-ganesh-puja",
        "lakshmi",
        "Diwali Lakshmi-Ganesh Puja",
        "home",
        90,
        "diya-maroon",
        "The Deepavali evening puja for home and business.",
        "Lakshmi-Ganesh puja in the pradosh kaal of Diwali, with chopda (account book) puja for traders, deep daan and Kuber puja. The pandit brings every item on the samagri list on request.",
        "Lakshmi-Ganesh sthapana\nChopda and Kuber puja\nDeep daan\nAarti",
    ),
    (
        "vaibhav-lakshmi-vrat",
        "lakshmi",
        "Vaibhav Lakshmi Vrat Udyapan",
        "temple",
        75,
        "kalash-maroon",
        "Concluding udyapan of the Vaibhav Lakshmi Friday vrat.",
        "Performed at our partner temple after eleven or twenty-one Fridays of the Vaibhav Lakshmi vrat, with the katha, kumkum archana and distribution of the vrat books.",
        "Udyapan sankalp\nVrat katha\nKumkum archana\nPrasad",
    ),
    (
        "navagraha-shanti",
        "navagraha",
        "Navagraha Shanti Puja",
        "home",
        180,
        "temple-blue",
        "Pacify all nine planets with their beej mantras.",
        "Navagraha shanti with sthapana of all nine grahas, graha-wise beej mantra japa and a havan with the prescribed samidha for each planet. Recommended during a difficult dasha or before major life events.",
        "Navagraha mandal sthapana\nBeej mantra japa\nNavagraha havan\nDaan items",
    ),
    (
        "shani-shanti-puja",
        "navagraha",
        "Shani Shanti Puja",
        "temple",
        120,
        "diya-blue",
        "Relief from Sade Sati and Shani dhaiya.",
        "Shani shanti with Shani stotra, tailabhishek with sesame oil and 23,000 Shani mantra japa by a group of priests. Best performed on a Saturday at a Shani temple.",
        "Tailabhishek\nShani mantra japa\nDaan of black til and cloth\nPrasad",
    ),
    (
        "rahu-ketu-puja",
        "navagraha",
        "Rahu-Ketu Shanti Puja",
        "online",
        90,
        "bell-blue",
        "Shanti puja for Rahu-Ketu dosha, performed live online.",
        "Rahu and Ketu shanti with their beej mantras and a small havan, performed by priests at our temple partner while you join on video. Your name and gotra are taken for the sankalp.",
        "Sankalp\nRahu-Ketu japa\nHavan\nPuja recording",
    ),
    (
        "mangal-dosh-nivaran",
        "navagraha",
        "Mangal Dosh Nivaran Puja",
        "temple",
        150,
        "havan-maroon",
        "Remedy for Manglik dosha before marriage.",
        "Mangal dosh nivaran with Mangal stotra, bhat puja and a havan with red sandalwood and masoor dal. Often performed before marriage when the kundli shows Manglik dosha.",
        "Bhat puja\nMangal mantra japa\nHavan\nDaan items",
    ),
    (
        "griha-pravesh-puja",
        "griha-pravesh",
        "Griha Pravesh Puja",
        "home",
        240,
        "kalash-saffron",
        "Complete house-warming with Vastu shanti and havan.",
        "Griha pravesh with Ganesh puja, Vastu shanti, Navagraha puja and a havan, followed by the ceremonial boiling of milk. The pandit will suggest the muhurat for your date and help with the samagri list.",
        "Ganesh and Vastu puja\nNavagraha puja\nHavan\nMilk boiling ceremony",
    ),
    (
        "vastu-shanti",
        "griha-pravesh",
        "Vastu Shanti Puja",
        "home",
        180,
        "temple-saffron",
        "Harmonise your home or office with Vastu Purush puja.",
        "Vastu shanti corrects doshas in the layout of a home or workplace through Vastu Purush puja, a havan and placement of a consecrated Vastu yantra.",
        "Vastu Purush puja\nVastu havan\nVastu yantra sthapana\nAarti",
    ),
    (
        "office-opening-puja",
        "griha-pravesh",
        "Office & Shop Opening Puja",
        "home",
        120,
        "flowers-saffron",
        "Ganesh-Lakshmi puja for a new office or shop.",
        "An opening ceremony for a new office, shop or factory with Ganesh and Lakshmi puja, kalash sthapana and blessing of the premises and the cash box.",
        "Ganesh-Lakshmi puja\nKalash sthapana\nPremises blessing\nPrasad",
    ),
    (
        "satyanarayan-katha",
        "satyanarayan",
        "Satyanarayan Katha",
        "home",
        120,
        "lotus-saffron",
        "The five-chapter katha of Lord Satyanarayan.",
        "Satyanarayan puja with all five adhyayas of the katha, panchamrit abhishek and sheera prasad. A favourite for purnima, birthdays, anniversaries and after any wish is fulfilled.",
        "Satyanarayan sthapana\nFive adhyaya katha\nPanchamrit\nSheera prasad",
    ),
    (
        "purnima-satyanarayan-online",
        "satyanarayan",
        "Purnima Satyanarayan Puja (Online)",
        "online",
        75,
        "bell-saffron",
        "Join the purnima katha from anywhere in the world.",
        "Performed live on purnima by our priests with sankalp in your family's name. You receive the recording and prasad is offered at the temple on your behalf.",
        "Sankalp in your name\nKatha\nLive video\nRecording",
    ),
    (
        "satyanarayan-temple",
        "satyanarayan",
        "Satyanarayan Puja at Temple",
        "temple",
        90,
        "temple-maroon",
        "Katha at our partner temple with your family present.",
        "Satyanarayan katha in the temple mandapam with all arrangements made by the temple. Bring your family; prasad is prepared in the temple kitchen.",
        "Mandapam booking\nKatha\nPrasad from temple kitchen",
    ),
    (
        "rudrabhishek",
        "rudrabhishek",
        "Rudrabhishek",
        "home",
        150,
        "lotus-blue",
        "Abhishek of the Shivling with Rudram chanting.",
        "Rudrabhishek with Shri Rudram and Chamakam, abhishek with milk, curd, honey, ghee and Gangajal, and bilva patra archana. Especially auspicious on Mondays, Pradosh and in Shravan.",
        "Shivling and abhishek items\nRudram-Chamakam path\nBilva archana\nAarti",
    ),
    (
        "laghu-rudra",
        "rudrabhishek",
        "Laghu Rudra Abhishek",
        "home",
        300,
        "havan-blue",
        "Eleven priests chant Rudram eleven times.",
        "A grand Laghu Rudra with eleven recitations of the Rudram, continuous abhishek and a concluding Rudra havan. Performed for health, removal of obstacles and peace in the family.",
        "Rudra kalash\n121 Rudram recitations\nRudra havan\nPrasad",
    ),
    (
        "maha-mrityunjaya-jaap",
        "rudrabhishek",
        "Maha Mrityunjaya Jaap",
        "temple",
        240,
        "bell-green",
        "1.25 lakh Mahamrityunjaya mantra japa for health.",
        "The Maha Mrityunjaya mantra is chanted 1,25,000 times over several days by a group of priests, concluding with a havan. Recommended for the health and long life of a family member.",
        "Japa by priest group\nDaily sankalp\nConcluding havan\nPrasad",
    ),
    (
        "shravan-somvar-abhishek",
        "rudrabhishek",
        "Shravan Somvar Abhishek (Online)",
        "online",
        60,
        "diya-green",
        "Monday abhishek in Shravan, offered in your name.",
        "A Rudrabhishek at the temple on a Shravan Monday with your name in the sankalp. Watch live and receive the recording.",
        "Sankalp\nAbhishek\nLive video\nRecording",
    ),
    (
        "durga-saptashati-path",
        "durga",
        "Durga Saptashati Path",
        "home",
        210,
        "flowers-maroon",
        "Recitation of all 700 verses of the Devi Mahatmyam.",
        "The complete Durga Saptashati (Chandi Path) with kavach, argala and keelak, followed by aarti. Performed during Navratri or for protection and strength.",
        "Kalash sthapana\nChandi path\nKanya puja guidance\nAarti",
    ),
    (
        "navratri-kalash-sthapana",
        "durga",
        "Navratri Ghatasthapana",
        "home",
        90,
        "kalash-green",
        "Ghatasthapana on the first day of Navratri.",
        "Ghatasthapana at the correct muhurat with jau (barley) sowing, akhand jyoti and Shailputri puja. The pandit explains the daily puja for the nine days.",
        "Ghat and jau sowing\nAkhand jyoti\nShailputri puja\nNine-day puja guide",
    ),
    (
        "chandi-homam",
        "durga",
        "Chandi Homam",
        "temple",
        300,
        "havan-maroon",
        "The great fire ritual to the Divine Mother.",
        "Chandi homam with the full Saptashati recitation and 700 ahutis, performed by a team of priests at our partner temple. One of the most powerful rituals for removing obstacles and fear.",
        "Saptashati path\n700 ahutis\nSuhasini and kanya puja\nPoornahuti",
    ),
    (
        "kali-puja",
        "durga",
        "Kali Puja",
        "temple",
        120,
        "diya-maroon",
        "Night-time Kali puja in the Bengali tradition.",
        "Kali puja performed on Amavasya night in the Bengali tradition with hibiscus offerings, bhog and Kali stotra.",
        "Hibiscus offering\nBhog\nKali stotra\nAarti",
    ),
    (
        "sudarshana-homam",
        "havan",
        "Sudarshana Homam",
        "home",
        180,
        "havan-saffron",
        "Protection homam to Lord Vishnu's Sudarshana chakra.",
        "Sudarshana homam removes negative influences and protects the family. Performed with Sudarshana ashtakam and mool mantra ahutis.",
        "Havan kund\nSudarshana mool mantra\nPoornahuti\nPrasad",
    ),
    (
        "ayush-homam",
        "havan",
        "Ayush Homam",
        "home",
        150,
        "havan-green",
        "Birthday homam for a long and healthy life.",
        "Ayush homam is performed on a child's or elder's birthday (janma nakshatra) for longevity and health, with Ayur Devata and Navagraha ahutis.",
        "Ayur Devata puja\nHavan\nNavagraha ahutis\nAkshata blessing",
    ),
    (
        "gayatri-havan",
        "havan",
        "Gayatri Havan",
        "online",
        60,
        "bell-saffron",
        "Gayatri mantra havan, joined live online.",
        "A havan with 108 Gayatri mantra ahutis performed by our priests while you participate by video. Suitable for exam success, clarity and peace of mind.",
        "108 ahutis\nSankalp\nLive video\nRecording",
    ),
    (
        "dhanvantari-homam",
        "havan",
        "Dhanvantari Homam",
        "temple",
        120,
        "havan-blue",
        "Homam to the divine physician for good health.",
        "Dhanvantari homam for recovery from illness and good health, performed at the temple with herbs and ghee ahutis.",
        "Herbal samidha\nDhanvantari mantra\nPoornahuti\nPrasad",
    ),
    (
        "pitru-paksha-shraddh",
        "shraddh",
        "Pitru Paksha Shraddh",
        "home",
        120,
        "lotus-blue",
        "Shraddh with pind daan during Pitru Paksha.",
        "Shraddh karma on the tithi of your ancestor with tarpan, pind daan and brahmin bhojan guidance. The pandit explains every step and the meaning of the mantras.",
        "Tarpan\nPind daan\nBrahmin bhojan guidance\nDaan items",
    ),
    (
        "narayan-bali",
        "shraddh",
        "Narayan Bali Puja",
        "temple",
        300,
        "temple-blue",
        "Three-day ritual for the peace of departed souls.",
        "Narayan Bali and Nagbali performed at a tirtha kshetra for ancestors who could not receive their last rites, and for Pitru dosha.",
        "Narayan Bali\nNagbali\nPind daan\nDaan",
    ),
    (
        "tarpan-online",
        "shraddh",
        "Amavasya Tarpan (Online)",
        "online",
        45,
        "diya-blue",
        "Monthly tarpan for ancestors on Amavasya.",
        "Tarpan with til and water offered in the names of your ancestors on Amavasya, performed on the banks of a river with you joining by video.",
        "Sankalp with ancestors' names\nTil tarpan\nLive video",
    ),
    (
        "naamkaran-sanskar",
        "samskara",
        "Naamkaran Sanskar",
        "home",
        90,
        "flowers-green",
        "Naming ceremony for your newborn.",
        "Naamkaran on the 11th or 12th day after birth, with Ganesh puja, Navagraha puja and the naming based on the janma nakshatra. The pandit suggests auspicious first letters.",
        "Ganesh puja\nNakshatra-based naming\nNavagraha puja\nBlessings",
    ),
    (
        "mundan-sanskar",
        "samskara",
        "Mundan Sanskar",
        "temple",
        90,
        "kalash-blue",
        "The first haircut ceremony at the temple.",
        "Mundan (chudakarana) performed at the temple with Ganesh puja and havan. A barber is arranged by the temple.",
        "Ganesh puja\nHavan\nBarber arranged\nPrasad",
    ),
    (
        "upanayan-sanskar",
        "samskara",
        "Upanayan (Janeu) Sanskar",
        "home",
        300,
        "havan-saffron",
        "Sacred thread ceremony with Gayatri upadesh.",
        "Upanayan with all its stages: mundan, snan, yajnopavit dharan and Gayatri mantra upadesh by the acharya. A full-morning ceremony with a team of priests.",
        "Yajnopavit dharan\nGayatri upadesh\nHavan\nBhiksha ceremony",
    ),
    (
        "vivah-puja",
        "samskara",
        "Vivah Sanskar",
        "home",
        300,
        "flowers-maroon",
        "Complete Vedic wedding with saptapadi.",
        "A Vedic wedding with kanyadaan, panigrahan, saptapadi and mangal phere, performed by a team of priests in Hindi, English or your regional language.",
        "Ganesh and Gauri puja\nKanyadaan\nSaptapadi\nVivah havan",
    ),
]

REGIONAL = {
    "ganesh": "mr",
    "navagraha": "ta",
    "rudrabhishek": "te",
    "durga": "bn",
    "havan": "ta",
    "shraddh": "te",
    "griha-pravesh": "kn",
    "satyanarayan": "te",
    "lakshmi": "ta",
    "samskara": "mr",
}
TIERS = [("basic", 1.0, 0), ("standard", 1.8, 1), ("premium", 3.2, 3)]
LANGUAGE_EXTRA = {"hi": 0, "en": 10000}
SLOTS = [
    (datetime.time(6, 0), "Brahma muhurat", 3),
    (datetime.time(8, 0), "", 5),
    (datetime.time(10, 0), "", 6),
    (datetime.time(12, 0), "Abhijit muhurat", 4),
    (datetime.time(16, 0), "", 5),
    (datetime.time(18, 0), "Sandhya", 4),
]


def _round_price(paise):
    """Round to an auspicious price ending in 1 rupee: ₹1,501, ₹2,101, ..."""
    rupees = max(501, int(round(paise / 100 / 100.0)) * 100 + 1)
    return min(rupees, 21000) * 100


class Command(BaseCommand):
    help = "Load demo categories, pujas, packages, slots, promo codes and users (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        categories = {}
        for position, (slug, name, description) in enumerate(CATEGORIES):
            categories[slug], _ = Category.objects.update_or_create(
                slug=slug,
                defaults={
                    "name_en": name,
                    "description_en": description,
                    "name_hi": CATEGORIES_HI[slug][0],
                    "description_hi": CATEGORIES_HI[slug][1],
                    "position": position,
                    "is_active": True,
                },
            )
        for index, row in enumerate(SERVICES):
            slug, cat, title, kind, minutes, motif, summary, description, included = row
            title_hi, summary_hi, description_hi, included_hi = SERVICES_HI[slug]
            service, _ = Service.objects.update_or_create(
                slug=slug,
                defaults={
                    "category": categories[cat],
                    "title_en": title,
                    "title_hi": title_hi,
                    "summary_hi": summary_hi,
                    "description_hi": description_hi,
                    "included_hi": included_hi,
                    "kind": kind,
                    "venue_en": DEMO_TEMPLE if kind == Service.Kind.TEMPLE else "",
                    "venue_hi": DEMO_TEMPLE_HI if kind == Service.Kind.TEMPLE else "",
                    "duration_minutes": minutes,
                    "image": f"img/services/{motif}.svg",
                    "summary_en": summary,
                    "description_en": description,
                    "included_en": included,
                    "is_active": True,
                },
            )
            base = 50100 + (minutes - 45) * 2000 + (index % 5) * 10000
            for tier, factor, extra_priests in TIERS:
                priests = min(5, max(1, minutes // 120 + extra_priests))
                for language in ("hi", "en", REGIONAL[cat]):
                    price = _round_price(
                        base * factor + LANGUAGE_EXTRA.get(language, 5000)
                    )
                    Package.objects.update_or_create(
                        service=service,
                        tier=tier,
                        language=language,
                        defaults={
                            "price_paise": price,
                            "priest_count": priests,
                            "materials_included": tier != "basic" or index % 3 == 0,
                            "description_en": "",
                            "description_hi": "",
                            "is_active": True,
                        },
                    )
        slots = {}
        for start, label, capacity in SLOTS:
            slots[start], _ = TimeSlot.objects.update_or_create(
                start_time=start,
                defaults={
                    "label_en": label,
                    "label_hi": SLOT_LABELS_HI.get(label, ""),
                    "default_capacity": capacity,
                    "is_active": True,
                },
            )
        today = timezone.localdate()
        blackout = today + datetime.timedelta(days=14)
        overrides = [
            (None, blackout, 0, "Demo: temple festival, priests unavailable"),
            (
                slots[datetime.time(6, 0)],
                today + datetime.timedelta(days=3),
                1,
                "Demo: fewer priests for Brahma muhurat",
            ),
            (
                slots[datetime.time(18, 0)],
                today + datetime.timedelta(days=7),
                8,
                "Demo: extra priests for Pradosh",
            ),
        ]
        # Demo overrides move with today's date; staff overrides are left alone.
        SlotCapacityOverride.objects.filter(reason__startswith="Demo:").delete()
        for slot, date, capacity, reason in overrides:
            SlotCapacityOverride.objects.get_or_create(
                date=date, slot=slot, defaults={"capacity": capacity, "reason": reason}
            )
        now = timezone.now()
        promos = [
            (
                "FIRSTPUJA",
                {
                    "description": "10% off your first puja, up to ₹500",
                    "kind": "percent",
                    "percent": 10,
                    "flat_paise": None,
                    "min_order_paise": 100000,
                    "max_discount_paise": 50000,
                    "per_customer_limit": 1,
                    "usage_limit": None,
                    "valid_from": None,
                    "valid_until": None,
                },
            ),
            (
                "FLAT200",
                {
                    "description": "₹200 off orders of ₹1,500 or more",
                    "kind": "flat",
                    "percent": None,
                    "flat_paise": 20000,
                    "min_order_paise": 150000,
                    "max_discount_paise": None,
                    "per_customer_limit": None,
                    "usage_limit": None,
                    "valid_from": None,
                    "valid_until": None,
                },
            ),
            (
                "DIWALI25",
                {
                    "description": "Diwali offer: 25% off (expired)",
                    "kind": "percent",
                    "percent": 25,
                    "flat_paise": None,
                    "min_order_paise": 0,
                    "max_discount_paise": 100000,
                    "per_customer_limit": None,
                    "usage_limit": None,
                    "valid_from": now - datetime.timedelta(days=60),
                    "valid_until": now - datetime.timedelta(days=30),
                },
            ),
            (
                "NAVRATRI",
                {
                    "description": "Navratri: 15% off, first 100 bookings",
                    "kind": "percent",
                    "percent": 15,
                    "flat_paise": None,
                    "min_order_paise": 0,
                    "max_discount_paise": 150000,
                    "per_customer_limit": None,
                    "usage_limit": 100,
                    "valid_from": None,
                    "valid_until": None,
                },
            ),
        ]
        for code, defaults in promos:
            PromoCode.objects.update_or_create(
                code=code, defaults={**defaults, "is_active": True}
            )

        demo, _ = User.objects.update_or_create(
            email="demo@okpuja.in",
            defaults={
                "username": "demo@okpuja.in",
                "first_name": "Asha",
                "last_name": "Sharma",
                "phone": "+919876543210",
                "is_active": True,
            },
        )
        demo.set_password("demo12345")
        demo.save()
        if not demo.addresses.exists():
            Address.objects.create(
                user=demo,
                full_name="Asha Sharma",
                phone="+919876543210",
                line1="Flat 12, Shanti Apartments, 80 Feet Road",
                line2="Indiranagar",
                landmark="Ganesh Temple",
                city="Bengaluru",
                state="KA",
                pincode="560038",
                is_default=True,
            )
        if settings.DEBUG:
            admin, _ = User.objects.update_or_create(
                username="admin",
                defaults={
                    "email": "admin@okpuja.in",
                    "first_name": "OkPuja",
                    "last_name": "Admin",
                    "is_staff": True,
                    "is_superuser": True,
                    "is_active": True,
                },
            )
            admin.set_password("admin12345")
            admin.save()
        # The policy pages (migrations 0004 and 0007): their Hindi text where
        # staff have not written one.
        policy_pages = importlib.import_module(
            "storefront.migrations.0004_default_pages"
        )
        policy_pages.create_pages(apps, None)
        importlib.import_module(
            "storefront.migrations.0007_policy_pages_hindi"
        ).fill_hindi(apps)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {Category.objects.count()} categories, {Service.objects.count()} pujas, "
                f"{Package.objects.count()} packages, {TimeSlot.objects.count()} slots, "
                f"{PromoCode.objects.count()} promo codes."
            )
        )
        if settings.DEBUG:
            self.stdout.write("  Customer: demo@okpuja.in / demo12345")
            self.stdout.write("  Admin:    admin@okpuja.in / admin12345  (/admin/)")
