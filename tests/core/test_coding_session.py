"""The coding session without Qt: rows, position, codes given, undo and redo."""

from llmstudio.core.codebook import NONE_CODE
from llmstudio.core.coding_session import (
    NO_CODEBOOK,
    NO_CODER,
    NO_PROJECT,
    CodingSession,
    list_notice,
    missing,
    toggled,
)


def make(fail_rows=()):
    saved, history = [], []
    session = CodingSession(
        lambda row, codes, memo: row not in fail_rows and saved.append((row, codes, memo)) is None,
        on_history=lambda u, r: history.append((u, r)),
    )
    return session, saved, history


def test_a_click_is_saved_then_undone_and_redone_as_clicks():
    session, saved, history = make()
    assert session.click(3, ((), ""), (("a",), "memo"), "a (row 4)")
    assert session.entry(3) == (("a",), "memo")
    assert session.undo() == 3
    assert session.entry(3) == ((), "")
    assert session.redo() == 3
    assert session.entry(3) == (("a",), "memo")
    # every step went to the project: the click, the undo, the redo
    assert saved == [(3, ("a",), "memo"), (3, (), ""), (3, ("a",), "memo")]
    assert history == [(True, False), (False, True), (True, False)]
    assert session.redo() is None


def test_a_new_click_drops_what_was_undone():
    session, _, _ = make()
    session.click(1, ((), ""), (("a",), ""), "a")
    session.click(2, ((), ""), (("b",), ""), "b")
    session.undo()
    session.click(5, ((), ""), (("c",), ""), "c")
    assert not session.can_redo
    assert session.undo() == 5
    assert session.undo() == 1
    assert session.undo() is None


def test_a_click_that_cannot_be_saved_changes_nothing():
    session, saved, _ = make(fail_rows={7})
    assert not session.click(7, ((), ""), (("a",), ""), "a")
    assert session.entry(7) == ((), "")
    assert not session.can_undo
    assert saved == []


def test_stored_codes_are_loaded_and_counted():
    session, _, _ = make()
    session.load([(0, ("a",), ""), (1, (), "only a memo"), (2, ("b", "c"), "")])
    assert session.codes(2) == ("b", "c")
    assert session.coded() == 2
    assert session.coded({1, 2}) == 1
    assert session.codes(None) == ()
    # rows with the coder's passages count as coded, once with a row code too
    assert session.coded(marked={0, 1, 5}) == 4
    assert session.coded({1, 2, 3}, marked={1, 3}) == 3


def test_next_and_previous_follow_the_row_shown():
    session, _, _ = make()
    assert session.next_row() is None and session.previous_row() is None
    session.set_rows([10, 4, 7])
    session.pos, session.row_id = 0, 10
    assert session.next_row() == 4
    session.row_id = 7  # chosen in the table: the position follows it
    assert session.next_row() is None
    assert session.previous_row() == 4
    session.row_id = 99  # not among the rows to code: back is from the last position
    assert session.previous_row() == 4
    session.pos = 0  # ... and at the first: to the first row
    assert session.previous_row() == 10
    assert session.position(4) == 1 and session.position(99) is None


def test_multi_label_keys_toggle_codes():
    assert toggled(("a", "b"), "a") == ("b",)
    assert toggled(("a",), "b") == ("a", "b")
    assert toggled(("a",), NONE_CODE) == (NONE_CODE,)
    assert toggled((NONE_CODE,), "a") == ("a",)


def test_what_is_missing_before_coding_is_said_with_its_fix():
    assert missing(False, False, False, "")[0].startswith("Open a corpus first")
    assert missing(True, False, False, "") == (NO_PROJECT, "save")
    assert missing(True, True, False, "ann") == (NO_CODEBOOK, "codebooks")
    assert missing(True, True, True, "") == (NO_CODER, None)
    assert missing(True, True, True, "ann") is None


def test_what_is_said_about_the_rows_to_code():
    said = dict(suggested=None, model_title=None, book_name="Issues", coder="ann")
    assert list_notice("suggested", True, **said)[1] == "learn"
    text, fix = list_notice("disagree", True, **said)
    assert "No model has coded with 'Issues'" in text and fix == "run"
    said["model_title"] = "run 2"
    assert list_notice("disagree", True, **said) == (
        "The model (run 2) and ann agree on every row both coded.",
        None,
    )
    assert list_notice("uncoded", True, **said)[0] == "No rows in this list. Everything is coded."
    assert list_notice("all", True, **said)[0] == "No rows in this list."
    assert list_notice("all", False, **said) == (None, None)


def test_undo_and_redo_say_what_they_would_do():
    session, _, _ = make()
    assert session.undo_text == session.redo_text == ""
    session.click(1, ((), ""), (("a",), ""), "a (row 2)")
    session.click(2, ((), ""), (("b",), ""), "b (row 3)")
    assert session.undo_text == "b (row 3)" and session.redo_text == ""
    session.undo()
    assert session.undo_text == "a (row 2)" and session.redo_text == "b (row 3)"
