"""Text images with exact ground truth: every line's text and box comes from the font metrics
of the call that drew it (drawing.Page), and is carried through rotation and framing.

Difficulty is deliberate and labelled: "easy" images are clean dark text on a plain ground at
28 px or more, which Tesseract and RapidOCR read; "medium" ones add colour, layout or slight
rotation; "hard" ones are rotated 90 degrees, small, low-contrast, noisy or on a texture.
Each builder returns (image, lines) with lines = [{"text", "xyxy"}] in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PIL import Image

from .documents import on_table, receipt_page
from .drawing import Page, add_noise, blur, rotate_with_lines, wood


def letter():
    page = Page((820, 460), "white")
    page.paragraph(50, 40, ["Dear Ms Okafor,", "Thank you for your order of 12 March.",
                            "Your parcel left our warehouse today", "and should reach you within 3 days.",
                            "Kind regards,", "Tom Reyes, Customer Care"], "sans", 32, (15, 15, 15), leading=66)
    return page.image, page.lines


def exit_sign():
    page = Page((760, 300), (0, 122, 70))
    page.draw.rounded_rectangle((12, 12, 748, 288), 18, outline="white", width=6)
    page.text((380, 70), "EMERGENCY EXIT", "sans-bold", 60, "white", anchor="ma")
    page.text((380, 175), "KEEP CLEAR", "sans-bold", 48, "white", anchor="ma")
    return page.image, page.lines


def wet_floor_sign():
    page = Page((600, 420), (250, 205, 30))
    page.draw.rectangle((14, 14, 586, 406), outline=(20, 20, 20), width=10)
    page.text((300, 60), "CAUTION", "narrow-bold", 80, (20, 20, 20), anchor="ma")
    page.text((300, 190), "WET FLOOR", "arial-bold", 64, (20, 20, 20), anchor="ma")
    page.text((300, 300), "Please walk carefully", "arial", 34, (20, 20, 20), anchor="ma")
    return page.image, page.lines


def sale_poster():
    page = Page((700, 560), (240, 236, 250))
    page.text((350, 50), "SUMMER SALE", "serif-bold", 72, (170, 20, 60), anchor="ma")
    page.text((350, 170), "up to 40% off", "sans-oblique", 54, (40, 40, 120), anchor="ma")
    page.text((350, 280), "Sat 6 July - Sun 14 July", "arial", 38, (30, 30, 30), anchor="ma")
    page.text((350, 360), "Open 9:00 - 20:00 every day", "arial", 32, (30, 30, 30), anchor="ma")
    page.text((350, 450), "47 Mill Lane, Norwich", "arial-bold", 32, (30, 30, 30), anchor="ma")
    return page.image, page.lines


def receipt():
    return on_table(receipt_page(), 2.0)


def sticky_note():
    page = Page((520, 420), (255, 236, 120))
    page.paragraph(40, 50, ["Call Dana re: budget", "Thu 3pm, room 4.12", "bring Q2 figures!"],
                   "times-italic", 44, (30, 40, 140), leading=100)
    rotated, lines = rotate_with_lines(page.image, page.lines, 8, (110, 90, 70))
    return rotated, lines


def book_spine():
    page = Page((900, 130), (120, 30, 40))
    page.text((40, 38), "THE QUIET HARBOUR", "serif-bold", 46, (240, 220, 160))
    page.text((860, 46), "M. ELLISON", "serif", 36, (240, 220, 160), anchor="ra")
    # the spine stands upright on a shelf: text reads bottom to top
    return rotate_with_lines(page.image, page.lines, 90, (60, 45, 35))


def low_contrast():
    page = Page((840, 300), (196, 196, 192))
    page.paragraph(40, 50, ["Printed on 100% recycled paper.", "Please recycle this leaflet", "after reading it."],
                   "sans", 36, (176, 176, 172), leading=76)
    return add_noise(page.image, 5, seed=3), page.lines


def small_print():
    page = Page((560, 150), "white")
    page.paragraph(30, 30, ["Offer valid until 31/12/2024 for new customers only.",
                            "Prices include VAT. Delivery charges may apply to",
                            "orders under 25.00 GBP. See our website for full terms.",
                            "Ref. TC-2291/B"], "sans", 12, (40, 40, 40), leading=26)
    return page.image, page.lines


def noisy_scan():
    page = Page((780, 380), (236, 234, 226))
    page.paragraph(40, 40, ["MEMO - 14 FEBRUARY 1987", "To: all staff, second floor", "The lift will be out of service",
                            "on Monday. Use the east stairs."], "courier", 34, (40, 40, 40), leading=80)
    return add_noise(blur(page.image, 1.1), 20, seed=17), page.lines


def terminal():
    page = Page((820, 330), (16, 20, 24))
    page.paragraph(30, 30, ["$ ssh deploy@build-07", "Last login: Tue Jan 9 08:14:52", "deploy@build-07:~$ df -h /data",
                            "/dev/sdb1  916G  611G  259G  71% /data"], "mono", 28, (120, 230, 120), leading=70)
    return page.image, page.lines


def lined_note():
    page = Page((760, 460), (252, 252, 248))
    for y in range(80, 460, 64):
        page.draw.line((0, y, 760, y), fill=(170, 200, 230), width=2)
    page.draw.line((70, 0, 70, 460), fill=(230, 150, 150), width=2)
    page.paragraph(90, 36, ["Shopping list", "2 lemons, basil, parmesan", "olive oil (the good one)",
                            "pick up dry cleaning", "ring Grandma on Sunday"], "times-italic", 40, (20, 40, 130), leading=64)
    return page.image, page.lines


def shopfront():
    """A painted shop sign on a wooden facade, slightly turned: scene text."""
    page = Page((900, 420), wood((900, 420), seed=23, base=(120, 80, 50)))
    page.draw.rounded_rectangle((60, 60, 840, 360), 16, fill=(25, 60, 50), outline=(200, 170, 90), width=8)
    page.text((450, 100), "ROSE & THYME", "serif-bold", 76, (235, 210, 140), anchor="ma")
    page.text((450, 220), "BAKERY - CAFE", "sans-bold", 44, (235, 235, 225), anchor="ma")
    page.text((450, 292), "open daily 7am - 6pm", "sans-oblique", 30, (235, 235, 225), anchor="ma")
    return rotate_with_lines(page.image, page.lines, -4, (90, 90, 95))


def serial_codes():
    page = Page((720, 330), "white")
    page.paragraph(40, 40, ["SN 4X7-Q0O-8B1L", "MAC 3C:5A:B4:0E:19:7F", "LOT 2024/0711-C", "EXP 09/2026"],
                   "mono-bold", 34, (20, 20, 20), leading=70)
    return page.image, page.lines


def number_plate():
    page = Page((640, 170), (247, 206, 20))
    page.draw.rounded_rectangle((4, 4, 636, 166), 14, outline=(20, 20, 20), width=5)
    page.text((320, 85), "KX58 TRW", "arial-bold", 110, (15, 15, 15), anchor="mm")
    return page.image, page.lines


def street_sign():
    page = Page((760, 420), (150, 190, 225))
    page.draw.rectangle((366, 120, 394, 420), fill=(90, 90, 95))
    page.draw.rounded_rectangle((60, 60, 700, 150), 10, fill=(20, 100, 60), outline="white", width=4)
    page.text((380, 105), "Maple Avenue", "arial-bold", 54, "white", anchor="mm")
    page.draw.rounded_rectangle((150, 180, 610, 260), 10, fill=(20, 100, 60), outline="white", width=4)
    page.text((380, 220), "W 14th St", "arial-bold", 50, "white", anchor="mm")
    return page.image, page.lines


def product_label():
    page = Page((620, 380), (235, 235, 238))
    page.draw.rectangle((20, 20, 600, 360), fill="white", outline=(60, 60, 60), width=3)
    page.text((45, 45), "VOLTARA", "sans-bold", 44, (200, 60, 20))
    page.text((45, 115), "Cordless drill  Model PX-220", "arial", 26, (30, 30, 30))
    page.text((45, 160), "18 V  2.0 Ah  Li-ion", "arial", 26, (30, 30, 30))
    page.text((45, 215), "S/N: 48213-KX7", "mono-bold", 30, (20, 20, 20))
    page.text((45, 290), "Made in Portugal", "arial", 22, (90, 90, 90))
    x = 420
    for i in range(30):
        width = (3, 1, 2, 1, 4)[i % 5]
        page.draw.rectangle((x, 200, x + width - 1, 320), fill=(20, 20, 20))
        x += width + (2, 1, 3)[i % 3]
    return page.image, page.lines


@dataclass(frozen=True)
class TextImage:
    name: str
    build: Callable[[], tuple[Image.Image, list[dict]]]
    difficulty: str  # easy | medium | hard
    what: str


TEXT_IMAGES = [
    TextImage("letter-clean", letter, "easy", "a short letter, black 32 px sans on white"),
    TextImage("sign-emergency-exit", exit_sign, "easy", "white bold capitals on a green sign"),
    TextImage("sign-wet-floor", wet_floor_sign, "easy", "black on a yellow warning sign"),
    TextImage("number-plate", number_plate, "easy", "one line, very large, on a yellow plate"),
    TextImage("receipt-grocery", receipt, "medium", "a till receipt in a monospaced font, turned 2 degrees"),
    TextImage("poster-summer-sale", sale_poster, "medium", "a poster mixing serif, italic and coloured text"),
    TextImage("terminal-session", terminal, "medium", "green monospaced text on black"),
    TextImage("serial-codes", serial_codes, "medium", "codes where O/0, 1/l and B/8 must be told apart"),
    TextImage("sticky-note", sticky_note, "medium", "italic 'handwriting' on a note turned 8 degrees"),
    TextImage("lined-notebook", lined_note, "medium", "italic blue ink on ruled paper"),
    TextImage("street-sign", street_sign, "medium", "white text on two green street-name blades"),
    TextImage("product-label", product_label, "medium", "a rating label with a barcode and a serial number"),
    TextImage("book-spine", book_spine, "hard", "text turned 90 degrees, reading bottom to top"),
    TextImage("low-contrast", low_contrast, "hard", "grey text on a barely lighter grey, with noise"),
    TextImage("small-print", small_print, "hard", "12 px small print"),
    TextImage("noisy-scan", noisy_scan, "hard", "a typewritten memo, blurred, with scanner noise"),
    TextImage("shopfront", shopfront, "hard", "a shop sign on a wooden facade, turned 4 degrees"),
]
BY_NAME = {t.name: t for t in TEXT_IMAGES}

