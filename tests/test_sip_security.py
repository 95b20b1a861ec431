"""The call's security state reaches the call event and the call view (issue 11): a rep must
see whether the audio is encrypted, since "SRTP optional" silently falls back to plain RTP
with a peer that ignores the keys."""

from __future__ import annotations

import pytest

from softphone.protocol import CallMediaChanged, IncomingCall
from tests.sip_support import engine, state


def _media_of_call(a_srtp: str, b_srtp: str) -> tuple[CallMediaChanged, CallMediaChanged]:
    """A (srtp=a_srtp) calls B (srtp=b_srtp); both sides' media events once connected."""
    with engine(srtp=b_srtp) as (b, blog), engine(srtp=a_srtp) as (a, alog):
        a_id = a.make_call(f"sip:rep@127.0.0.1:{b.info.sip_port}")
        inc = blog.wait_for(lambda e: isinstance(e, IncomingCall), 5)
        b.answer(inc.call_id)
        alog.wait_for(state(a_id, "connected"), 5)
        a_media = alog.wait_for(lambda e: isinstance(e, CallMediaChanged) and e.call_id == a_id)
        b_media = blog.wait_for(
            lambda e: isinstance(e, CallMediaChanged) and e.call_id == inc.call_id
        )
        a.hangup(a_id)
        alog.wait_for(state(a_id, "disconnected"), 5)
    return a_media, b_media


@pytest.mark.sip
@pytest.mark.parametrize("a_srtp", ["optional", "mandatory"])
def test_an_srtp_call_reports_encrypted_on_both_sides(a_srtp) -> None:
    a_media, b_media = _media_of_call(a_srtp, "optional")
    for m in (a_media, b_media):
        assert m.srtp is True and m.tls is False
        assert m.security == "Encrypted (SRTP)"


@pytest.mark.sip
def test_a_plain_call_reports_not_encrypted() -> None:
    a_media, b_media = _media_of_call("optional", "disabled")
    for m in (a_media, b_media):
        assert m.srtp is False
        assert m.security == "Not encrypted"


@pytest.mark.ui
def test_call_view_shows_the_lock_label(qtbot) -> None:
    from softphone.ui.call_controls import CallControls

    c = CallControls()
    qtbot.addWidget(c)
    c.show()
    c.show_call("Dana", "+14155550100")
    assert not c.security.isVisible()  # unknown before the media is up
    c.set_security("Encrypted (SRTP)", True)
    assert c.security.isVisible() and c.security.text().endswith("Encrypted (SRTP)")
    assert c.security.property("tone") == "good"
    c.set_security("Not encrypted", False)
    assert c.security.text().endswith("Not encrypted")
    assert c.security.property("tone") == "warn"
    c.show_call("Lee", "+14155550101")  # the next call starts unknown again
    assert not c.security.isVisible()
