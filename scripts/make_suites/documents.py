"""Document Understanding: a receipt, an invoice, a filled-in form, a table, a chart and a
boarding pass, rendered with real fonts. Amounts are computed with Decimal from the line items
that are printed, so the totals on the page and in `expected` cannot disagree.

Questions need more than reading one word: finding the right field among similar ones (invoice
date vs due date), arithmetic over a table, or the one ticked box among empty ones.
"""

from __future__ import annotations

from decimal import Decimal

from PIL import Image

from .common import SuiteWriter, choice, exact, mentions, number, yes_no
from .drawing import Canvas, Page, rotate_with_lines

CAT = "document-understanding"

RECEIPT_ITEMS = [  # name, quantity, unit price
    ("Oat milk 1L", 2, "1.85"), ("Sourdough loaf", 1, "3.20"), ("Free-range eggs x12", 1, "4.15"),
    ("Bananas 1.12kg", 1, "1.34"), ("Cheddar 400g", 1, "5.60"), ("Coffee beans 1kg", 1, "14.90"),
    ("Tomatoes", 3, "0.65"), ("Dish soap", 1, "2.49"),
]
RECEIPT_DISCOUNT = Decimal("2.00")


def receipt_totals() -> tuple[Decimal, Decimal]:
    subtotal = sum((q * Decimal(p) for _, q, p in RECEIPT_ITEMS), Decimal("0"))
    return subtotal, subtotal - RECEIPT_DISCOUNT


def receipt_page() -> Page:
    """A till receipt in a monospaced font, 22 px: readable for Tesseract and RapidOCR."""
    page = Page((600, 850), (252, 251, 247))
    ink, left, right, centre, size = (30, 30, 30), 30, 570, 300, 22
    y = 30
    page.text((centre, y), "GREENLEAF MARKET", "mono-bold", 30, ink, anchor="ma")
    y += 46
    for text in ("214 Harbour Road, Portsmouth", "VAT No. GB 284 1197 52"):
        page.text((centre, y), text, "mono", size, ink, anchor="ma")
        y += 34
    y += 10
    page.text((left, y), "2024-03-14  18:42   Till 3", "mono", size, ink)
    y += 40
    subtotal, total = receipt_totals()
    rows = [(name if qty == 1 else f"{name} {qty} x {price}", f"{qty * Decimal(price):.2f}", "mono")
            for name, qty, price in RECEIPT_ITEMS]
    rows += [("", "", ""), ("SUBTOTAL", f"{subtotal:.2f}", "mono"),
             ("MEMBER DISCOUNT", f"-{RECEIPT_DISCOUNT:.2f}", "mono"), ("TOTAL", f"{total:.2f}", "mono-bold")]
    for label, amount, face in rows:
        if label:
            page.row(y, [(left, label, face, size), (right, amount, face, size, "ra")], ink)
        y += 34 if label else 10
    y += 14
    for text in (f"Items: {sum(q for _, q, _ in RECEIPT_ITEMS)}", "Card: VISA ************4821"):
        page.text((left, y), text, "mono", size, ink)
        y += 34
    page.text((centre, y + 10), "Thank you for shopping with us!", "mono", size, ink, anchor="ma")
    return page


def on_table(page: Page, angle: float, background=(70, 74, 80)) -> tuple[Image.Image, list[dict]]:
    """Photograph-like framing: the page turned slightly on a desk, its line boxes moved along."""
    rotated, lines = rotate_with_lines(page.image, page.lines, angle, background)
    framed = Image.new("RGB", (rotated.width + 60, rotated.height + 60), background)
    framed.paste(rotated, (30, 30))
    return framed, [{"text": ln["text"], "xyxy": [v + 30 for v in ln["xyxy"]]} for ln in lines]


INVOICE_LINES = [("Stainless mixing bowl 20L", 2, "86.00"), ("Dough scraper set", 5, "12.50"),
                 ("Proofing basket, round", 12, "9.75"), ("Oven thermometer", 3, "18.40")]
VAT_RATE = Decimal("0.20")


def invoice_totals():
    subtotal = sum((q * Decimal(p) for _, q, p in INVOICE_LINES), Decimal("0"))
    vat = (subtotal * VAT_RATE).quantize(Decimal("0.01"))
    return subtotal, vat, subtotal + vat


def invoice_page() -> Page:
    page = Page((780, 930), "white")
    ink, grey = (25, 25, 25), (110, 110, 110)
    page.text((50, 50), "Northwind Tooling Ltd", "arial-bold", 30, (20, 60, 120))
    page.text((50, 92), "Unit 7, Canal Works, Leeds LS11 5QN", "arial", 18, grey)
    page.text((730, 50), "INVOICE", "arial-bold", 40, ink, anchor="ra")
    y = 160
    for label, value in [("Invoice No.", "INV-2024-0173"), ("Invoice date", "02 May 2024"),
                         ("Due date", "01 June 2024"), ("Purchase order", "PO-88412")]:
        page.row(y, [(430, label, "arial", 19), (590, value, "arial-bold", 19)], ink)
        y += 32
    page.text((50, 160), "Bill to", "arial", 19, grey)
    page.text((50, 190), "Harbor Lane Bakery", "arial-bold", 21, ink)
    page.text((50, 222), "18 Quay Street", "arial", 19, ink)
    page.text((50, 252), "Bristol BS1 4DJ", "arial", 19, ink)
    y = 340
    page.draw.rectangle((50, y - 10, 730, y + 30), fill=(230, 236, 245))
    page.row(y, [(62, "Description", "arial-bold", 19), (430, "Qty", "arial-bold", 19),
                 (510, "Unit price", "arial-bold", 19), (730, "Amount", "arial-bold", 19, "ra")], ink)
    y += 52
    for desc, qty, price in INVOICE_LINES:
        page.row(y, [(62, desc, "arial", 19), (430, str(qty), "arial", 19), (510, price, "arial", 19),
                     (730, f"{qty * Decimal(price):.2f}", "arial", 19, "ra")], ink)
        page.draw.line((50, y + 34, 730, y + 34), fill=(215, 215, 215), width=1)
        y += 46
    subtotal, vat, total = invoice_totals()
    y += 20
    for label, value, face in [("Subtotal", f"£{subtotal:.2f}", "arial"), ("VAT 20%", f"£{vat:.2f}", "arial"),
                               ("Total due", f"£{total:.2f}", "arial-bold")]:
        page.row(y, [(480, label, face, 21), (730, value, face, 21, "ra")], ink)
        y += 36
    page.text((50, 870), "Payment by bank transfer within 30 days. Sort code 40-12-77, account 61538204.",
              "arial", 16, grey)
    return page


def form_page() -> Image.Image:
    """A membership form filled in by hand (italic blue ink); Premium is ticked, marketing is not."""
    page = Page((760, 820), (250, 250, 252))
    ink, hand = (30, 30, 30), (25, 45, 150)
    page.text((40, 40), "RIVERSIDE FITNESS CLUB", "arial-bold", 30, ink)
    page.text((40, 82), "Membership application", "arial", 22, (90, 90, 90))
    fields = [("Full name", "Priya Natarajan"), ("Date of birth", "09/11/1991"), ("Postcode", "LS6 2QT"),
              ("Phone", "07700 900 418"), ("Start date", "01/07/2024")]
    y = 150
    for label, value in fields:
        page.text((40, y), label, "arial", 20, ink)
        page.draw.line((220, y + 30, 700, y + 30), fill=(150, 150, 150), width=1)
        page.text((230, y - 8), value, "times-italic", 30, hand)
        y += 62
    y += 20
    page.text((40, y), "Membership type (tick one)", "arial-bold", 20, ink)
    y += 44
    for i, option in enumerate(["Basic", "Premium", "Family"]):
        x = 60 + i * 210
        page.draw.rectangle((x, y, x + 28, y + 28), outline=ink, width=2)
        page.text((x + 42, y + 2), option, "arial", 21, ink)
        if option == "Premium":
            page.draw.line((x + 4, y + 14, x + 12, y + 25, x + 34, y - 6), fill=hand, width=4)
    y += 80
    page.draw.rectangle((60, y, 88, y + 28), outline=ink, width=2)
    page.text((102, y + 2), "Send me offers and news by email", "arial", 21, ink)
    y += 90
    page.text((40, y), "Signature", "arial", 20, ink)
    page.text((230, y - 14), "P. Natarajan", "times-italic", 36, hand)
    return page.image


SALES = {  # region -> Q1..Q4 units
    "North": [412, 388, 455, 501], "South": [298, 342, 476, 390], "East": [515, 467, 432, 488],
    "West": [276, 301, 298, 344], "Central": [350, 372, 401, 366],
}


def sales_table() -> Image.Image:
    page = Page((760, 420), "white")
    ink = (30, 30, 30)
    page.text((40, 30), "Quarterly sales by region (units), 2023", "arial-bold", 24, ink)
    cols = [40, 250, 370, 490, 610]
    y = 100
    page.draw.rectangle((30, y - 12, 720, y + 34), fill=(225, 232, 240))
    page.row(y, [(x, h, "arial-bold", 20) for x, h in zip(cols, ["Region", "Q1", "Q2", "Q3", "Q4"])], ink)
    for region, values in SALES.items():
        y += 52
        page.draw.line((30, y - 12, 720, y - 12), fill=(200, 200, 200))
        page.row(y, [(cols[0], region, "arial", 20)] + [(x, str(v), "arial", 20) for x, v in zip(cols[1:], values)],
                 ink)
    return page.image


VISITORS = {"Jan": 320, "Feb": 410, "Mar": 380, "Apr": 520, "May": 470, "Jun": 290}


def visitors_chart() -> Image.Image:
    c = Canvas((800, 520), "white")
    ink = (40, 40, 40)
    c.text((400, 30), "Website visitors per month", "arial-bold", 24, ink, anchor="mt")
    x0, y0, scale = 100, 440, 0.6  # 0.6 px per visitor
    for v in range(0, 601, 100):
        y = y0 - v * scale
        c.line([(x0, y), (760, y)], (215, 215, 215) if v else ink, width=1.5)
        c.text((x0 - 12, y), str(v), "arial", 18, ink, anchor="rm")
    for i, (month, v) in enumerate(VISITORS.items()):
        x = x0 + 30 + i * 105
        c.rectangle((x, y0 - v * scale, x + 70, y0), fill=(60, 130, 110))
        c.text((x + 35, y0 + 12), month, "arial", 20, ink, anchor="mt")
    return c.image()


def boarding_pass() -> Image.Image:
    page = Page((900, 380), (245, 247, 250))
    navy, grey = (20, 40, 90), (110, 110, 120)
    page.draw.rectangle((0, 0, 900, 70), fill=navy)
    page.text((30, 20), "SKYWARD AIRWAYS   BOARDING PASS", "arial-bold", 26, "white")
    fields = [(30, 100, "Passenger", "MORGAN / ALEX MR"), (380, 100, "Flight", "SW 2491"),
              (530, 100, "Date", "18 AUG 2024"),
              (30, 185, "From", "London Gatwick (LGW)"), (380, 185, "To", "Lisbon (LIS)"),
              (30, 270, "Gate", "14B"), (170, 270, "Boarding", "07:35"), (330, 270, "Departs", "08:10"),
              (500, 270, "Seat", "23C"), (620, 270, "Zone", "3")]
    for x, y, label, value in fields:
        page.text((x, y), label.upper(), "arial", 15, grey)
        page.text((x, y + 24), value, "arial-bold", 26, navy)
    x = 745
    for i in range(26):  # a barcode-like strip with a fixed pattern of bar widths and gaps
        width, gap = (2, 4, 1, 3)[i % 4], (2, 3, 2, 4, 3)[i % 5]
        page.draw.rectangle((x, 110, x + width - 1, 340), fill=(20, 20, 20))
        x += width + gap
    return page.image


def add(s: SuiteWriter) -> None:
    receipt, _ = on_table(receipt_page(), 2.0)
    img = s.generated("receipt-grocery", receipt)
    _, total = receipt_totals()
    s.ask("receipt-total", img, CAT, "How much was paid in total on this receipt? Answer with a number.",
          number(float(total)))
    s.ask("receipt-date", img, CAT, "On what date was this shopping done? Answer as YYYY-MM-DD.",
          mentions("2024-03-14", r"2024-03-14|14[/.]03[/.]2024|14(th)?\s+march,?\s+2024|march\s+14(th)?,?\s+2024"))
    priciest = max(RECEIPT_ITEMS, key=lambda it: it[1] * Decimal(it[2]))[0]
    s.ask("receipt-priciest-item", img, CAT, "Which item cost the most on this receipt?",
          mentions(priciest, r"coffee"))
    s.ask("receipt-tomatoes", img, CAT, "How many tomatoes were bought? Answer with a number.",
          number(dict((n, q) for n, q, _ in RECEIPT_ITEMS)["Tomatoes"]))
    s.ask("receipt-card-digits", img, CAT,
          "What are the last four digits of the card used to pay? Answer with the digits only.", exact("4821"))

    invoice, _ = on_table(invoice_page(), -1.0, background=(200, 200, 196))
    img = s.generated("invoice", invoice)
    s.ask("invoice-number", img, CAT, "What is the invoice number? Answer with the number only.",
          exact("INV-2024-0173"))
    s.ask("invoice-due-date", img, CAT, "By what date must this invoice be paid? Answer as YYYY-MM-DD.",
          mentions("2024-06-01", r"2024-06-01|0?1[/.]0?6[/.]2024|0?1(st)?\s+june,?\s+2024|june\s+0?1(st)?,?\s+2024"))
    _, _, total_due = invoice_totals()
    s.ask("invoice-total-due", img, CAT, "What is the total amount due, including VAT? Answer with a number.",
          number(float(total_due)))
    s.ask("invoice-baskets", img, CAT, "How many proofing baskets were ordered? Answer with a number.",
          number(12))
    s.ask("invoice-customer", img, CAT, "Which customer is this invoice addressed to?",
          mentions("Harbor Lane Bakery", r"harbou?r\s+lane\s+bakery"))

    img = s.generated("form-membership", form_page())
    s.ask("form-membership-type", img, CAT,
          "Which membership type did the applicant tick? Answer Basic, Premium or Family.",
          choice("Premium", ["Basic", "Premium", "Family"]))
    s.ask("form-postcode", img, CAT, "What postcode did the applicant write? Answer with the postcode only.",
          exact("LS6 2QT"))
    s.ask("form-marketing-opt-in", img, CAT, "Did the applicant tick the box to receive offers by email? "
          "Answer yes or no.", yes_no(False))

    img = s.generated("table-sales", sales_table())
    best_q3 = max(SALES, key=lambda r: SALES[r][2])
    s.ask("table-best-q3", img, CAT, "Which region sold the most units in Q3? Answer with the region's name only.",
          exact(best_q3))
    s.ask("table-east-q2", img, CAT, "How many units did the East region sell in Q2? Answer with a number.",
          number(SALES["East"][1]))
    s.ask("table-north-year", img, CAT,
          "How many units did the North region sell over the whole year? Answer with a number.",
          number(sum(SALES["North"])))

    img = s.generated("chart-visitors", visitors_chart())
    s.ask("chart-busiest-month", img, CAT, "Which month had the most visitors?",
          mentions("April", r"\bapr(il)?\b"))
    s.ask("chart-months-over-400", img, CAT,
          "In how many months were there more than 400 visitors? Answer with a number.",
          number(sum(1 for v in VISITORS.values() if v > 400)))

    img = s.generated("boarding-pass", boarding_pass())
    s.ask("boarding-seat", img, CAT, "What seat is the passenger in? Answer with the seat only.", exact("23C"))
    s.ask("boarding-time", img, CAT, "At what time does boarding start? Answer as HH:MM.",
          mentions("07:35", r"(?<!\d)0?7[:.h]35(?!\d)"))
    s.ask("boarding-origin", img, CAT, "From which airport does this flight leave?",
          mentions("London Gatwick (LGW)", r"gatwick|\bLGW\b"))
