"""The reading rules of docs/grading.md, one group of hand-written cases per rule: what a careful
reader accepts passes (form), what changes the value fails."""

from __future__ import annotations

import pytest

from generator.grading import GRADERS
from generator.grading.extract import (answer_text, answering_parts, concluding_parts, drop_intro_line, normalise,
                                       states_phrase, value_key)
from generator.grading.numbers import key_unit, readings
from generator.grading.peer_prompts import grader_for_vac


def passes(name, expected, output, **options) -> bool:
    return GRADERS[name](expected, output, None, options).passed


SIDES = {"choices": ["left", "right"]}
FASTENERS = {"choices": ["screws", "bolts", "nuts"]}


# ------------------------------------------------ 1. the final answer after reasoning

@pytest.mark.parametrize("output, answer", [
    ('The wipes cost 0.58 on one label and 0.75 on the other.\n{"answer": "0.58"}', "0.58"),
    ("Counting rows: 3 on the left, 4 on the right, so 7.\nFinal answer: 7", "7"),
    ("First 2 + 3 = 5, then doubled: \\boxed{10}", "10"),
    ('Reasoning about the label... {"answer": "R1C4"}.', "R1C4"),
])
def test_the_closing_answer_of_a_reasoned_output(output, answer):
    assert answer_text(output) == answer


def test_a_prose_object_is_not_a_closing_answer():
    text = 'It looks like {"colour": "red"}'
    assert answer_text(text) == text  # only an {"answer": …} object closes an answer


def test_concluding_parts_are_the_last_bold_value_then_the_last_sentence():
    text = "I see 4 boxes on top and 3 below. **7** in total. So there are 7 boxes."
    assert concluding_parts(text) == ["7", "So there are 7 boxes."]
    assert concluding_parts("Just one sentence with 4.5 in it.") == []


def test_reasoning_that_mentions_other_values_still_has_an_answer():
    assert passes("number", "7", "Rows of 3 and 4 are visible.\nSo there are 7 boxes.")
    assert not passes("number", "4", "Rows of 3 and 4 are visible.\nSo there are 7 boxes.")
    assert passes("yes-no", "No", "At first it looks like yes, the rim is intact.\nOn closer look: **No**")
    assert passes("choice", "left", "It is not on the right side.\nThe truck is to the left.", **SIDES)
    assert not passes("number", "4", "It is 4 or 5.")  # a conclusion that names two values names none
    # numbered reasoning steps, then the count alone on the last line
    steps = "Checking the tray:\n1. The top row holds 6 slots\n2. The bottom row holds 6 slots\n3. 11 are filled\n\n1"
    assert passes("number", "1", steps) and not passes("number", "2", steps)
    assert passes("number", "2", "First I list them:\n1. one box\n2. another box\n\nBoxes that are open: 2")
    fenced = "I read the grid row by row.\n\n```\n..4\n.5.\n```"
    assert passes("exact", "..4\n.5.", fenced) and not passes("exact", "...4\n.5.", fenced)


def test_answer_first_prose_is_read_at_its_opening_sentence():
    text = "The gross weight is 500 KG. The label also gives a tare of 80 KG.\nIt is a standard box."
    assert answering_parts(text) == ["It is a standard box.", "The gross weight is 500 KG."]
    assert passes("number", "500 kg", text)  # the conclusion states no number; the opening does
    assert not passes("number", "80 kg", text)
    dated = "The date on the form is March 3, 2021. It is also printed as \"3. 3. 2021\" at the top."
    assert passes("exact", "March 3 2021", dated) and not passes("exact", "March 4 2021", dated)
    # an answer that takes its opening back is read at its conclusion only
    corrected = "The dock is D33. Actually, on a closer look, the sign says D35 and not the other."
    assert not passes("exact", "D33", corrected)
    taken_back = "The weight is 500 KG. Wait, that was the tare; the gross is 700 KG, the box alone 80 KG."
    assert not passes("number", "500 kg", taken_back)
    assert passes("number", "500 kg", taken_back.replace("Wait, that was", "That is"))  # not taken back: answer-first
    repeated = "The room is 9'4\" x 12'. \n\nThat is 9 feet and 4 inches by 12 feet.\n\nSo it is 9'4\" X 12'."
    assert passes("exact", "9'4\" X 12'", repeated)
    assert not passes("exact", "9'4\" X 13'", repeated)


# ------------------------------------------------ 2. a right answer inside a sentence

@pytest.mark.parametrize("expected, output", [
    ("forklift", "The autosuggested word is forklift."),
    ("Q101", "The reference above the left transistor reads Q101."),
    ("Fiji", "Yes: the FIJI bottle is on the wrong shelf."),
    ("forklift", '{"suggestions": [{"text": "forklift", "value": "Forklift"}]}'),  # every value is it
    ("10629101", "The part number is 10629101."),
    ("JBHU282862", "The ID on the container is JBHU 282862."),
    ("10'2\" X 16'", "According to the floor plan, the living area measures 10'2\" X 16'."),
    ("March 3 2021", "The form shows March 3, 2021."),  # a comma between words is form
])
def test_exact_accepts_the_value_inside_prose(expected, output):
    assert passes("exact", expected, output)


@pytest.mark.parametrize("expected, output", [
    ("forklift", "It is not forklift, it is pallet."),  # negated
    ("forklift", "forklift or pallet"),  # an alternative: no commitment
    ("Red", "red and black"),
    ("Q101", "Q1010"),  # a longer ID is another ID
    ("forklift", '{"first": "forklift", "second": "pallet"}'),  # a JSON answer with another value
    ("Q101", "The left one reads Q101, the right one Q102."),  # a second ID
    ("4", "Row 4 holds 14 items."),  # a second number
    ("top", "It is next to the stop sign."),  # inside another word
    ("Charybdis in-dubitable", "The text reads Charybdisin dubitable"),  # words run together
    ("March 3 2021", "The form shows March 13, 2021."),
])
def test_exact_refuses_a_value_that_conflicts(expected, output):
    assert not passes("exact", expected, output)


def test_number_and_choice_inside_prose():
    assert passes("number", "62", "I count 62 shipping containers in the yard.")
    assert not passes("number", "62", "I count 62 containers in 3 rows.")  # two values stated
    assert passes("choice", "left", "The dump truck stands to the left of the wheel loader.", **SIDES)


# ------------------------------------------------ 3. punctuation inside words and IDs

@pytest.mark.parametrize("expected, output, same", [
    ("JBHU282862", "JBHU 282862", True),  # a space between letter prefix and digits
    ("PX-220", "PX220", True),  # a dropped hyphen
    ("Charybdis in-dubitable", "Charybdis indubitable", True),
    ("T074802630B2", "T074802630B", False),  # a missing character
    ("T074802630B2", "T074802630B3", False),  # a changed character
    ("Charybdis in-dubitable", "Charybdisin-dubitable", False),  # two words run together
    ("08/09/2020", "08.09.2020", True),  # which separator between digits is form
    ("2.30", "230", False),  # a dropped decimal point is not
    ("...4.8...", "..4.8...", False),  # leading dots are content
])
def test_punctuation_inside_ids_is_form(expected, output, same):
    assert passes("exact", expected, output) is same
    assert (value_key(expected) == value_key(output)) is same


# ------------------------------------------------ 4. unit marks after digits are not quotes

def test_unit_marks_are_kept_and_told_apart():
    assert normalise("16'") == "16'" and normalise('16"') == '16"'
    assert normalise("'16'") == "16"  # a quotation around a number is still a wrapper
    assert passes("exact", "10'2\" X 16'", "10'2\" x 16'")
    assert not passes("exact", "10'2\" X 16'", "10'2\" X 16\"")  # feet are not inches
    assert not passes("exact", "16'", "16")
    # the inch mark after feet is implied, as in the prompt's own example "11'1 X 11'1"
    assert passes("exact", "10'2\" X 16'", "10'2 X 16'")
    # zero inches are no inches: 16'0 is 16 feet; 16'1 is not
    assert passes("exact", "10'2\" X 16'", "10'2 X 16'0") and passes("exact", "16'", "16'00\"")
    assert not passes("exact", "10'2\" X 16'", "10'2 X 16'1") and not passes("exact", "16'", "16'05")


# ------------------------------------------------ 5. numbers

@pytest.mark.parametrize("expected, output", [
    ("2,428", "2.428"),  # a dot as thousands separator
    ("32500", "32.500"), ("32500", "32 500"), ("1234567", "1.234.567"),  # dots and spaces
    ("0.58", "58p"), ("0.58", "58 pence"), ("$0.30", "30 cents"), ("$0.30", "30\u00a2"),  # pence, cents
    ("32,500 kg", "32500"), ("32,500 kg", "32,500 KG"),  # a unit in the key
    ("2", "02"), ("7", "007"),  # leading zeros
    ("27", "twenty-seven"), ("4", "Four."),  # spelled out
])
def test_number_formats_are_form(expected, output):
    assert passes("number", expected, output), GRADERS["number"](expected, output, None, {}).reason


@pytest.mark.parametrize("expected, output", [
    ("2428", "2.43"), ("0.58", "58"), ("32500", "325"), ("27", "2 7"),
    ("4", "4 or 5"), ("4", "between 4 and 5"), ("12", "1 2"),  # two values stated are no answer
])
def test_number_values_are_strict(expected, output):
    assert not passes("number", expected, output)


@pytest.mark.parametrize("expected, output", [
    # a date with its month name says when, not how much
    ("2,428", "For the nine months ended September 30, 2023 the figure was $2,428."),
    ("15", "Shipped on 3 Jan 2024: 15 crates."), ("15", "In Nov 2019 there were 15."),
    # number words beside digits are prose, the digits are the answer
    ("2,428", "In the three months and nine months tables, the nine-month value is 2,428."),
    # numbers that share a reading state one value
    ("2,428", "It was $2.428 million (or $2,428 thousand)."),
    # an approximate restatement of the precise value
    ("2,428", "That is $2,428 thousand, $2.428 million (approximately $2.4 million)."),
    # the key's unit picks the candidates; a conversion into another unit is not a second value
    ("32,500 kg", "Max gross: 32,500 KG (71,650 LB)."), ("32,500 kg", "32.500 KG 71.650 LB"),
    ("32,500 kg", "It is 32,500 kg or 71,650 lb."),
])
def test_context_numbers_are_not_second_values(expected, output):
    assert passes("number", expected, output), GRADERS["number"](expected, output, None, {}).reason


@pytest.mark.parametrize("expected, output", [
    ("15", "On March 3 there were 14."),  # the date's 3 is not read, 14 is the answer
    ("2,428", "It was $2.428 million, or $2,500 thousand."),  # no common reading
    ("2,428", "It was $2,428 or approximately $2.6 thousand."),  # 2.6 does not round from 2.428
    ("2.4", "About 2.4, but 2.428 exactly."),  # an approximate value is not the answer over a precise one
    ("32,500 kg", "32,500 KG here and 3,830 KG there."),  # two values in the key's unit
    ("32,500 kg", "71,650 LB (32,000 KG)"),
    ("4", "There are four boxes and 5 crates."),  # digits are read: 5
])
def test_context_rules_do_not_hide_a_wrong_value(expected, output):
    assert not passes("number", expected, output)


def test_the_key_unit():
    assert key_unit("32,500 kg") == "kg" and key_unit("3.5 inches") == "inches"
    assert key_unit("$2.30") == "" and key_unit("27") == "" and key_unit("0.58") == ""


def test_vac_picks_number_for_one_number_with_a_unit():
    assert grader_for_vac("What is the max gross weight?", "32,500 kg").name == "number"
    assert grader_for_vac("How wide is it?", "12 cm").name == "number"
    assert grader_for_vac("What is the dock number?", "D33").name == "exact"  # an ID, not a quantity
    assert grader_for_vac("Read the serial number.", "3702692432").name == "exact"


def test_one_dot_group_reads_both_ways():
    assert readings("2.428") == ({2.428, 2428.0}, "")
    assert readings("3.5") == ({3.5}, "")
    assert readings("1,234.5") == ({1234.5}, "")


# ------------------------------------------------ 6. hedged choices

@pytest.mark.parametrize("output, named", [
    ("bolts (and possibly screws)", "bolts"),
    ("Bolts, possibly some nuts", "bolts"),
    ("bolts, maybe screws as well", "bolts"),
    ("bolts and screws", None),  # naming two as the answer names none
    ("It could be bolts or screws", None),
    ("screws (or maybe bolts)", "screws"),
])
def test_a_hedge_does_not_commit(output, named):
    for choice in FASTENERS["choices"]:
        assert passes("choice", choice, output, **FASTENERS) is (choice == named)


@pytest.mark.parametrize("output, named", [
    ("It holds bolts. There are no screws or nuts in it.", "bolts"),  # ruled out, not named
    ("No, these are not screws, they are bolts.", "bolts"),
    ("Neither screws nor nuts: bolts.", "bolts"),
    ("Bolts and no nuts, but also screws.", None),  # screws named after the negated clause
])
def test_a_negated_choice_is_ruled_out(output, named):
    for choice in FASTENERS["choices"]:
        assert passes("choice", choice, output, **FASTENERS) is (choice == named)


# ------------------------------------------------ 7. lists

def test_list_intro_bullets_and_numbering_are_form_items_and_order_are_value():
    want = "Inputs, Llama 3.2 Vision, Outputs"
    assert passes("list", want, "The workflow steps are:\n1. Inputs\n2. Llama 3.2 Vision\n3. Outputs")
    assert passes("list", want, "Steps:\n- inputs\n- llama 3.2 vision\n- outputs.")
    assert passes("list", want, "Here they are:\nInputs, Llama 3.2 Vision, Outputs")
    assert not passes("list", want, "The workflow steps are:\n1. Inputs\n2. Outputs\n3. Llama 3.2 Vision")
    assert not passes("list", want, "1. Inputs\n2. Llama 3.2\n3. Outputs")  # an item changed
    assert not passes("list", want, "Inputs, Outputs")  # an item missing


def test_a_list_line_among_prose():
    want = "Inputs, Llama 3.2 Vision, Outputs"
    # an intro clause ending in ": " on the items' line
    assert passes("list", want, "The workflow's steps, in order, are: Inputs, Llama 3.2 Vision, Outputs")
    # the one line of short comma-separated names is the list; prose before and after is not
    prose = ("From the diagram there are three steps:\n\nInputs, Llama 3.2 Vision, Outputs\n\nArrows join "
             "them, showing how data moves, from the left box to the model and then on to the right box.")
    assert passes("list", want, prose)
    assert passes("list", want, "Inputs,Llama 3.2 Vision,Outputs\n- the counts shown in each box are not steps")
    assert not passes("list", want, prose.replace("Inputs, Llama 3.2 Vision, Outputs", "Inputs, Outputs, Llama 3.2 Vision"))
    # words around an item are form; another item is value
    assert passes("list", want, "take inputs, run Llama 3.2 Vision, write outputs")
    assert not passes("list", want, "take inputs, run Llama 3.2, write outputs")
    assert not passes("list", want, "inputs, no Llama 3.2 Vision, outputs")
    tags = "Coffee, Food, Health & wellbeing, Health"
    assert not passes("list", tags, "Coffee, Food, Health, Health & wellbeing")  # order is value


# ------------------------------------------------ 8. OCR: an intro line

def test_an_ocr_intro_line_is_not_read_text():
    passage = ("The quick brown fox jumps over the lazy dog while the five boxing wizards "
               "jump quickly and a sphinx of black quartz judges my vow.")
    assert drop_intro_line("The text reads:\n\nabc") == "abc"
    assert drop_intro_line("abc:") == "abc:"  # nothing follows: not an intro
    assert passes("ocr-text", passage, "The text in the image reads:\n\n" + passage, max_cer=0.01)
    assert not passes("ocr-text", passage, "The text in the image reads:\n\n" + passage.replace("lazy", "hazy"),
                      max_cer=0.001)
    # a first line the reference itself holds is read text, not an intro
    listing = "Ingredients:\n" + passage
    assert not passes("ocr-text", listing, passage, max_cer=0.01)
    assert passes("ocr-text", listing, listing, max_cer=0.01)


# ------------------------------------------------ the phrase finder itself

def test_states_phrase_needs_whole_words():
    assert states_phrase("the tag is Coffee", "coffee")
    assert not states_phrase("coffeehouse", "coffee")
    assert not states_phrase("", "coffee") and not states_phrase("coffee", "")
