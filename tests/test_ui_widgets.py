"""The phone and coach widgets in a real (offscreen) window, fed plain data: what the rep sees
when typing a number, searching contacts, and when cards, partials and finals arrive."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from coach.types import Flag, Utterance
from coach.ui.coach_panel import CoachPanel
from coach.ui.transcript import LiveTranscript
from softphone.numbers import normalise, number_from_uri
from softphone.ui.call_controls import CallControls
from softphone.ui.dialer import DialerPanel
from softphone.ui.rows import ContactRow, ContactSummary, RecentCall

pytestmark = pytest.mark.ui


@pytest.mark.parametrize(
    ("typed", "dial", "shown"),
    [
        ("(415) 555-0100", "+14155550100", "+1 415-555-0100"),
        ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
        ("tel:+14155550100", "+14155550100", "+1 415-555-0100"),
        ("sip:bob@pbx.example.com:5070", "sip:bob@pbx.example.com:5070", "sip:bob@pbx.example.com:5070"),
        ("bob@example.com", "sip:bob@example.com", "sip:bob@example.com"),
        ("1001", "1001", "Extension 1001"),
    ],
)  # fmt: skip
def test_pasted_numbers_are_normalised_and_shown_as_dialled(qtbot, typed, dial, shown) -> None:
    d = DialerPanel("US")
    qtbot.addWidget(d)
    d.field.setText(typed)
    assert d.target().dial == dial
    assert d.preview.text() == f"Dials {shown}"
    assert d.call_button.isEnabled()


def test_bad_input_reads_as_a_sentence_and_cannot_be_dialled(qtbot) -> None:
    d = DialerPanel("US")
    qtbot.addWidget(d)
    with qtbot.assertNotEmitted(d.dialRequested):
        qtbot.keyClicks(d.field, "sip:bob@")
        qtbot.keyClick(d.field, Qt.Key.Key_Return)
    assert d.preview.text() == "That SIP address has no valid host after @."
    assert not d.call_button.isEnabled()
    assert normalise("12345678901234567", "US").sentence.endswith("digits.")


def test_enter_dials_and_contact_search_filters_as_you_type(qtbot) -> None:
    d = DialerPanel("US")
    qtbot.addWidget(d)
    d.set_contacts([
        ContactRow("Dana Whitfield", "+14155550100", "Northwind"),
        ContactRow("Sam Ortiz", "+14155550123", "Fabrikam"),
        ContactRow("Priya Raman", "+442079460958", "Contoso"),
    ])  # fmt: skip
    qtbot.keyClicks(d.field, "orti")
    assert d.list_title.text() == "CONTACTS"
    assert [d.list.item(i).text().split("\n")[0] for i in range(d.list.count())] == ["Sam Ortiz"]
    d.field.clear()
    qtbot.keyClicks(d.field, "0958")  # digits match numbers too
    assert d.list.item(0).text().startswith("Priya Raman")
    d.field.clear()
    qtbot.keyClicks(d.field, "dana whitfield")  # an exact name dials that contact
    with qtbot.waitSignal(d.dialRequested) as sig:
        qtbot.keyClick(d.field, Qt.Key.Key_Return)
    target, name = sig.args
    assert target.dial == "+14155550100" and name == "Dana Whitfield"


def test_recents_show_direction_and_keypad_types(qtbot) -> None:
    d = DialerPanel("US")
    qtbot.addWidget(d)
    now = datetime.now()
    d.set_recent([
        RecentCall("+14155550100", "Dana", "outgoing", now - timedelta(minutes=5), 75),
        RecentCall("+442079460958", "", "missed", now - timedelta(days=1)),
    ])  # fmt: skip
    assert d.list.item(0).text().startswith("Dana\nOutgoing") and "1:15" in d.list.item(0).text()
    assert d.list.item(1).text() == "+44 20 7946 0958\nMissed · Yesterday"
    for key in "415":
        qtbot.mouseClick(d.keypad.buttons[key], Qt.MouseButton.LeftButton)
    assert d.field.text() == "415"


def _flag(kind="vague_language", start=3.0, trigger="touch base", text="I wanted to touch base"):
    return Flag(kind, "rep", start, start + 2, text, "Say why you are calling", trigger, "Vague")


def test_cards_do_not_repeat_within_the_window_and_dismissals_count(qtbot) -> None:
    panel = CoachPanel(repeat_window=30.0)
    qtbot.addWidget(panel)
    assert panel.add_flag(_flag(start=3.0))
    assert not panel.add_flag(_flag(start=20.0))  # same kind and words, 17 s later
    assert panel.add_flag(_flag(start=40.0))  # outside the window again
    assert panel.add_flag(_flag("pressure", 41.0, "today", "I need an answer today"))
    cards = panel.feed.flag_cards()
    assert [c.flag.kind for c in cards] == ["pressure", "vague_language", "vague_language"]
    assert "<b>today</b>" in cards[0].words.text()
    assert cards[0].suggestion.text() == "Try: Say why you are calling"
    assert panel.feed.suppressed == 1
    with qtbot.waitSignal(panel.cardDismissed) as sig:
        qtbot.mouseClick(cards[1].close_button, Qt.MouseButton.LeftButton)
    assert sig.args[1] == 1 and panel.feed.dismissals == {"vague_language": 1}
    assert len(panel.feed.flag_cards()) == 2
    panel.set_hidden_kinds({"pressure"})
    assert not panel.add_flag(_flag("pressure", 100.0, "now", "sign now"))


def test_metrics_drive_gauges_and_checklist_with_evidence(qtbot) -> None:
    panel = CoachPanel(monologue_limit=45)
    qtbot.addWidget(panel)
    panel.update_metrics({
        "talk_ratio": 0.72, "current_monologue_seconds": 50.0, "open_questions": 2,
        "closed_questions": 1,
        "qualification": {
            "project": {"label": "Project / need", "covered": True,
                        "evidence": {"text": "we are replacing our phone system"}},
            "budget": {"label": "Budget", "covered": False, "evidence": None},
        },
    })  # fmt: skip
    g = panel.gauges
    assert g.talk.value.text() == "72%" and g.talk.value.property("tone") == "bad"
    assert g.monologue.value.text() == "50s" and g.monologue.value.property("tone") == "bad"
    assert g.questions.value.text() == "3" and g.questions.label.text() == "Questions · 2 open"
    assert panel.checklist.covered() == {"project"}
    assert panel.checklist.evidence["project"].text() == "“We are replacing our phone system”"
    assert list(panel.checklist.marks) == ["project", "budget"]


def test_partials_are_greyed_then_replaced_by_the_final(qtbot) -> None:
    t = LiveTranscript()
    qtbot.addWidget(t)
    t.show()
    t.set_partials({"prospect": "we are looking"})
    assert t.partials["prospect"].isVisible()
    assert t.partials["prospect"].text() == "We are looking …"
    u = Utterance("prospect", 1.0, 3.0, "we are looking for a new system")
    t.add_final(u.speaker, u.text, u.start)
    assert not t.partials["prospect"].isVisible()
    assert t.texts("prospect") == ["we are looking for a new system"]
    assert t.bubbles[0].text.text() == "We are looking for a new system"
    t.add_final("rep", "i think i can help", 4.0)
    assert t.bubbles[1].text.text() == "I think I can help"
    assert t.grid.getItemPosition(t.grid.indexOf(t.bubbles[1]))[1] == 0  # rep lane on the left


def test_call_controls_follow_state_and_send_dtmf(qtbot) -> None:
    c = CallControls()
    qtbot.addWidget(c)
    c.show_call("Dana", "+14155550100")
    c.set_state("calling")
    assert c.state_label.text() == "Calling…" and c.hangup.isEnabled() and not c.mute.isEnabled()
    c.set_state("connected")
    assert c.mute.isEnabled()
    with qtbot.waitSignal(c.dtmfPressed) as sig:
        c.send_digit("5")
    assert sig.args == ["5"]
    with qtbot.waitSignal(c.muteToggled) as sig:
        c.toggle_mute()
    assert sig.args == [True] and c.mute.text() == " Unmute"
    c.set_state("disconnected", "The line is busy.")
    assert c.reason.text() == "The line is busy." and not c.hangup.isEnabled()


def test_contact_summary_sentence_and_uri_numbers() -> None:
    s = ContactSummary("Dana", "+1", last_talked=datetime.now() - timedelta(days=13))
    assert s.last_talked_sentence() == "Last talked 13 days ago"
    assert ContactSummary("x", "y").last_talked_sentence() == "First call with this contact"
    assert number_from_uri('"Bob" <sip:+14155550100@10.0.0.1;transport=udp>') == "+14155550100"
    assert number_from_uri("sip:alice@127.0.0.1:5070") == "sip:alice@127.0.0.1:5070"


def test_rep_monologue_setting_overrides_the_rule_pack_limit() -> None:
    from app.settings import Settings
    from calling.live import make_coach
    from coach.rules.kinds import MonologueRule

    coach, limit = make_coach(Settings(), previous_calls=0)
    assert limit == coach.pack.first(MonologueRule).limit_seconds  # the pack's own limit
    coach, limit = make_coach(Settings(monologue_seconds=60), previous_calls=2)
    rule = coach.pack.first(MonologueRule)
    assert limit == 60 and rule.limit_seconds == 60 and rule.warning_seconds == 45


def test_coach_settings_numbers_are_readable_with_the_theme(qtbot) -> None:
    """The theme once squeezed spin boxes' text to a 1-pixel line edit (seen in screenshots)."""
    from PySide6.QtWidgets import QApplication, QLineEdit

    from coach.ui.settings_pages import CoachPage
    from softphone.ui.theme import stylesheet

    QApplication.instance().setStyleSheet(stylesheet())
    page = CoachPage()
    qtbot.addWidget(page)
    page.load({"monologue_seconds": 0, "card_repeat_seconds": 30})
    page.show()
    qtbot.waitExposed(page)
    assert page.monologue.text() == "Rule pack's limit" and page.repeat.text() == "30 s"
    for box in (page.monologue, page.repeat):
        assert box.findChild(QLineEdit).width() > box.width() // 2
    assert page.values()["monologue_seconds"] == 0
