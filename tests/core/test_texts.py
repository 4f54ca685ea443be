"""Tests for the texts corpus and the text generators."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bartype
from bartype.core.normalize import normalize_text
from bartype.core.texts import (
    QUOTE_LENGTHS,
    CodeSnippet,
    Quote,
    TextError,
    pick_code,
    pick_quote,
    random_words,
)
from bartype.storage.corpus import TextLibrary, default_texts_root, load_custom_text

REPO_ROOT = Path(__file__).resolve().parents[2]
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


@pytest.fixture(scope="module")
def library() -> TextLibrary:
    return TextLibrary(default_texts_root())


def _words_only(text: str) -> list[str]:
    """The tokens of a generated text that count as words (dashes do not)."""
    return [t for t in text.split() if t != "-"]


# --- the corpus ---------------------------------------------------------------


def test_default_texts_root_finds_repo_corpus() -> None:
    """The root is the wheel's `_texts` folder where installed, else the repository's `texts/`."""
    root = default_texts_root()
    assert root.is_dir()
    assert (root / "words").is_dir() and (root / "quotes").is_dir() and (root / "code").is_dir()
    installed = Path(bartype.__file__).resolve().parent / "_texts"
    assert root == (installed if installed.is_dir() else REPO_ROOT / "texts")


def test_corpus_readme_lists_every_file(library: TextLibrary) -> None:
    """texts/README.md mentions every corpus file, so each has a stated source and licence."""
    readme = (library.root / "README.md").read_text(encoding="utf-8")
    for path in sorted(library.root.rglob("*.txt")) + sorted(library.root.rglob("*.jsonl")):
        assert path.relative_to(library.root).as_posix() in readme


def test_languages_and_word_lists(library: TextLibrary) -> None:
    """The corpus has English, French, German and Spanish word lists."""
    assert library.languages() == ["english", "french", "german", "spanish"]
    assert {"english_200", "english_1k", "german_1k", "spanish_1k", "french_1k"} <= set(
        library.word_lists()
    )


@pytest.mark.parametrize(
    ("name", "minimum", "exact"),
    [
        ("english_200", 200, True),
        ("english_1k", 1000, True),
        ("german_1k", 500, False),
        ("spanish_1k", 500, False),
        ("french_1k", 500, False),
    ],
)
def test_word_list_sizes(library: TextLibrary, name: str, minimum: int, exact: bool) -> None:
    """Each word list loads and has the number of words its name promises."""
    words = library.words(name)
    assert len(words) >= minimum
    if exact:
        assert len(words) == minimum


@pytest.mark.parametrize(
    "name", ["english_200", "english_1k", "german_1k", "spanish_1k", "french_1k"]
)
def test_word_list_files_have_no_duplicates(library: TextLibrary, name: str) -> None:
    """A word list file holds one word per line with no duplicates and no blank lines."""
    lines = (library.root / "words" / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    assert all(line and line == line.strip() and " " not in line for line in lines)
    assert len(lines) == len(set(lines))
    assert library.words(name) == lines


def test_english_200_is_the_head_of_english_1k(library: TextLibrary) -> None:
    """The 200 most common English words are the first 200 of the 1,000."""
    assert library.words("english_200") == library.words("english_1k")[:200]


@pytest.mark.parametrize("name", ["english_1k", "spanish_1k", "french_1k"])
def test_words_are_lowercase(library: TextLibrary, name: str) -> None:
    """English, Spanish and French words are lowercase letters only."""
    for word in library.words(name):
        assert word == word.lower() and word.isalpha(), word


def test_german_nouns_keep_their_capital(library: TextLibrary) -> None:
    """German words are letters, lowercase except for a capital first letter on nouns."""
    words = library.words("german_1k")
    for word in words:
        assert word.isalpha() and word[1:] == word[1:].lower(), word
    assert {"Zeit", "Jahr", "Frau", "Haus"} <= set(words)
    assert {"und", "nicht", "für"} <= set(words)


@pytest.mark.parametrize(
    ("name", "letters"),
    [("german_1k", "äöüß"), ("spanish_1k", "áéíñóú"), ("french_1k", "éèêàç")],
)
def test_word_lists_keep_accented_letters(library: TextLibrary, name: str, letters: str) -> None:
    """Non-English lists keep their accented letters."""
    text = "".join(library.words(name))
    for letter in letters:
        assert letter in text, letter


def test_words_survive_normalisation(library: TextLibrary) -> None:
    """Every word is already a normalised typing target."""
    for name in library.word_lists():
        for word in library.words(name):
            assert normalize_text(word) == word


def test_language_name_picks_the_smallest_list(library: TextLibrary) -> None:
    """A language name resolves to that language's smallest list."""
    assert library.words("english") == library.words("english_200")
    assert library.words("German") == library.words("german_1k")


def test_unknown_word_list_lists_what_exists(library: TextLibrary) -> None:
    """Asking for an unknown list names the lists that exist."""
    with pytest.raises(TextError, match="english_200") as info:
        library.words("klingon")
    assert "klingon" in str(info.value)


def test_quotes_count_and_length_mix(library: TextLibrary) -> None:
    """There are at least 300 quotes and at least 60 of each length class."""
    quotes = library.quotes()
    assert len(quotes) >= 300
    for length in QUOTE_LENGTHS:
        assert sum(q.length == length for q in quotes) >= 60, length


def test_every_quote_has_a_source(library: TextLibrary) -> None:
    """Each quote names an author and a work, and ids are unique."""
    quotes = library.quotes()
    assert len({q.id for q in quotes}) == len(quotes)
    for quote in quotes:
        assert re.fullmatch(r"[^,]+, .+", quote.source), quote


def test_quote_file_is_normalised_plain_text(library: TextLibrary) -> None:
    """Quote texts survive normalisation unchanged and use keyboard (ASCII) punctuation."""
    path = library.root / "quotes" / "english.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        assert set(obj) == {"id", "text", "source"}
        assert normalize_text(obj["text"]) == obj["text"]
        assert not set(obj["text"]) & set("\u2018\u2019\u201c\u201d\u2014\u2013_")


def test_quote_lookup_by_id(library: TextLibrary) -> None:
    """A quote is found by its id; an unknown id gives a TextError."""
    first = library.quotes()[0]
    assert library.quote(first.id) == first
    with pytest.raises(TextError, match="no quote with id 999999"):
        library.quote(999_999)


def test_quote_length_classes() -> None:
    """Quote.length is short up to 100 characters, medium up to 300, long above."""
    assert Quote(1, "x" * 100, "A, B").length == "short"
    assert Quote(1, "x" * 101, "A, B").length == "medium"
    assert Quote(1, "x" * 300, "A, B").length == "medium"
    assert Quote(1, "x" * 301, "A, B").length == "long"


def test_code_snippets(library: TextLibrary) -> None:
    """Python, JavaScript and Rust each have 30+ snippets of 2 to 12 lines."""
    assert {"python", "javascript", "rust"} <= set(library.code_languages())
    for language in library.code_languages():
        snippets = library.code(language)
        assert len(snippets) >= 30, language
        assert [s.index for s in snippets] == list(range(len(snippets)))
        for snippet in snippets:
            assert snippet.language == language
            assert 2 <= len(snippet.text.splitlines()) <= 12, snippet
            assert normalize_text(snippet.text) == snippet.text


def test_unknown_code_language(library: TextLibrary) -> None:
    """An unknown code language gives a TextError that names the available ones."""
    with pytest.raises(TextError, match="python"):
        library.code("cobol")


# --- a corpus on disk that is broken ----------------------------------------------


def test_library_reads_nothing_until_asked(tmp_path: Path) -> None:
    """Creating a library on a missing folder is fine; asking for text says what is missing."""
    lib = TextLibrary(tmp_path / "nowhere")
    assert lib.word_lists() == [] and lib.code_languages() == []
    with pytest.raises(TextError, match="missing"):
        lib.quotes()


def test_library_caches_files(tmp_path: Path) -> None:
    """A word list is read once; later changes to the file are not seen."""
    (tmp_path / "words").mkdir()
    path = tmp_path / "words" / "test_10.txt"
    path.write_text("one\ntwo\n", encoding="utf-8")
    lib = TextLibrary(tmp_path)
    assert lib.words("test") == ["one", "two"]
    path.write_text("three\n", encoding="utf-8")
    assert lib.words("test_10") == ["one", "two"]


def test_bad_quote_line_is_reported_with_its_line(tmp_path: Path) -> None:
    """A broken quotes file names the file and line that is wrong."""
    (tmp_path / "quotes").mkdir()
    good = json.dumps({"id": 1, "text": "Hello there.", "source": "A, B (1900)"})
    (tmp_path / "quotes" / "english.jsonl").write_text(good + "\n{oops\n", encoding="utf-8")
    with pytest.raises(TextError, match="line 2"):
        TextLibrary(tmp_path).quotes()


def test_duplicate_quote_ids_are_rejected(tmp_path: Path) -> None:
    """Two quotes with the same id give a TextError."""
    (tmp_path / "quotes").mkdir()
    line = json.dumps({"id": 7, "text": "Hello there.", "source": "A, B (1900)"})
    (tmp_path / "quotes" / "english.jsonl").write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(TextError, match="used twice"):
        TextLibrary(tmp_path).quotes()


def test_word_list_line_with_two_words_is_rejected(tmp_path: Path) -> None:
    """A word list line holding two words gives a TextError naming the line."""
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "test_10.txt").write_text("one\ntwo words\n", encoding="utf-8")
    with pytest.raises(TextError, match="line 2"):
        TextLibrary(tmp_path).words("test_10")


# --- random_words --------------------------------------------------------------


def test_random_words_is_deterministic() -> None:
    """The same seed gives the same text, with and without options."""
    for kwargs in (
        {},
        {"punctuation": True},
        {"numbers": True},
        {"punctuation": True, "numbers": True},
    ):
        a = random_words(WORDS, 50, random.Random(7), **kwargs)
        b = random_words(WORDS, 50, random.Random(7), **kwargs)
        assert a == b


def test_random_words_gives_count_words_from_the_list() -> None:
    """Plain mode gives exactly `count` words, all from the list, separated by single spaces."""
    text = random_words(WORDS, 25, random.Random(1))
    tokens = text.split(" ")
    assert len(tokens) == 25
    assert set(tokens) <= set(WORDS)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    count=st.integers(min_value=1, max_value=120),
    size=st.integers(min_value=2, max_value=len(WORDS)),
    punctuation=st.booleans(),
    numbers=st.booleans(),
)
def test_random_words_properties(
    seed: int, count: int, size: int, punctuation: bool, numbers: bool
) -> None:
    """Any seed gives `count` words, no word twice in a row, the same text for the same seed."""
    words = WORDS[:size]
    text = random_words(words, count, random.Random(seed), punctuation=punctuation, numbers=numbers)
    assert text == random_words(
        words, count, random.Random(seed), punctuation=punctuation, numbers=numbers
    )
    assert text == normalize_text(text)
    tokens = _words_only(text)
    assert len(tokens) == count
    bare = [re.sub(r"[^\w]", "", t).lower() for t in tokens]
    assert all(a != b for a, b in zip(bare, bare[1:], strict=False))
    if punctuation:
        assert text.endswith(".")
        first = text.lstrip('"(')[0]
        assert first.isupper() or first.isdigit()


def test_two_word_list_alternates() -> None:
    """With only two words, the words alternate."""
    tokens = random_words(["yes", "no"], 40, random.Random(3)).split()
    assert all(a != b for a, b in zip(tokens, tokens[1:], strict=False))


def test_punctuation_visibly_changes_the_output() -> None:
    """Punctuation adds capitals, sentence ends and inner marks, and ends with a full stop."""
    plain = random_words(WORDS, 200, random.Random(5))
    punct = random_words(WORDS, 200, random.Random(5), punctuation=True)
    assert plain != punct
    assert not re.search(r"[A-Z.,;:?!\"()]", plain)
    assert punct.lstrip('"(')[0].isupper() and punct.endswith(".")
    assert re.search(r"[.?!] [A-Z\"(]", punct)
    assert re.search(r"[,;:]", punct)
    for match in re.finditer(r"[.?!] (\S+)", punct):
        assert match.group(1).lstrip('"(')[0].isupper()


def test_sentences_are_five_to_fifteen_words() -> None:
    """Sentences end every 5 to 15 words (the last one may be shorter)."""
    text = random_words(WORDS, 300, random.Random(11), punctuation=True)
    sentences = [s for s in re.split(r"(?<=[.?!]) ", text)]
    for sentence in sentences[:-1]:
        assert 5 <= len(_words_only(sentence)) <= 15, sentence


def test_numbers_replace_about_a_tenth_of_words() -> None:
    """With numbers, roughly 10% of words become 1 to 4 digit numbers."""
    tokens = random_words(WORDS, 3000, random.Random(2), numbers=True).split()
    numbers = [t for t in tokens if t.isdigit()]
    assert 0.06 < len(numbers) / len(tokens) < 0.14
    assert all(1 <= len(n) <= 4 for n in numbers)
    assert not any(t.isdigit() for t in random_words(WORDS, 300, random.Random(2)).split())


def test_random_words_rejects_unusable_requests() -> None:
    """Empty lists, single-word lists and counts below one give a TextError."""
    with pytest.raises(TextError, match="empty"):
        random_words([], 5, random.Random(0))
    with pytest.raises(TextError, match="two different words"):
        random_words(["same", "same"], 5, random.Random(0))
    with pytest.raises(TextError, match="at least 1"):
        random_words(WORDS, 0, random.Random(0))
    assert random_words(["only"], 1, random.Random(0)) == "only"


def test_random_words_does_not_touch_global_random() -> None:
    """Generating words leaves the global random state alone."""
    random.seed(123)
    expected = random.random()
    random.seed(123)
    random_words(WORDS, 100, random.Random(9), punctuation=True, numbers=True)
    assert random.random() == expected


def test_random_words_with_the_real_lists(library: TextLibrary) -> None:
    """Every real word list can produce a punctuated test."""
    for name in library.word_lists():
        text = random_words(library.words(name), 60, random.Random(4), punctuation=True)
        assert len(_words_only(text)) == 60


# --- pick_quote / pick_code --------------------------------------------------------


@pytest.mark.parametrize("length", QUOTE_LENGTHS)
def test_pick_quote_respects_length(library: TextLibrary, length: str) -> None:
    """pick_quote only returns quotes of the requested length class."""
    rng = random.Random(0)
    for _ in range(30):
        assert pick_quote(library.quotes(), length, rng).length == length


def test_pick_quote_any_length_and_determinism(library: TextLibrary) -> None:
    """Length None picks from all quotes, the same one for the same seed."""
    quotes = library.quotes()
    picked = {pick_quote(quotes, None, random.Random(s)).length for s in range(200)}
    assert picked == set(QUOTE_LENGTHS)
    assert pick_quote(quotes, None, random.Random(3)) == pick_quote(quotes, None, random.Random(3))


def test_pick_quote_errors() -> None:
    """A bad length class, or no quote of that class, gives a TextError."""
    quotes = [Quote(1, "Short one.", "A, B")]
    with pytest.raises(TextError, match="short, medium, long"):
        pick_quote(quotes, "tiny", random.Random(0))
    with pytest.raises(TextError, match="no long quotes"):
        pick_quote(quotes, "long", random.Random(0))


def test_pick_code_joins_distinct_snippets(library: TextLibrary) -> None:
    """pick_code joins `count` different snippets with newlines, deterministically."""
    snippets = library.code("python")
    text = pick_code(snippets, random.Random(1), count=3)
    assert text == pick_code(snippets, random.Random(1), count=3)
    used = [s for s in snippets if s.text in text]
    assert len(used) >= 3
    assert text == normalize_text(text)


def test_pick_code_never_repeats_a_snippet_twice_in_a_row() -> None:
    """Asking for more snippets than exist reuses them, never back to back."""
    snippets = [CodeSnippet("x", 0, "a = 1\nb = 2"), CodeSnippet("x", 1, "c = 3\nd = 4")]
    lines = pick_code(snippets, random.Random(5), count=6).splitlines()
    blocks = [lines[i] for i in range(0, len(lines), 2)]
    assert all(a != b for a, b in zip(blocks, blocks[1:], strict=False))
    with pytest.raises(TextError):
        pick_code([], random.Random(0))


# --- load_custom_text --------------------------------------------------------------


def test_custom_text_is_normalised(tmp_path: Path) -> None:
    """A good file comes back normalised: CRLF, tabs and a BOM are handled, and the
    indentation (beyond what every line shares) is kept as a tab a level."""
    path = tmp_path / "mine.txt"
    path.write_bytes("\ufeff  Hello\tworld!\r\n\r\n\r\n    déjà vu  \r\n".encode())
    assert load_custom_text(path) == "Hello world!\n\tdéjà vu"


def test_custom_text_loses_bidi_controls_and_zero_width_characters(tmp_path: Path) -> None:
    """A file whose words hide a right-to-left override or a zero-width space gives the
    text as it looks, which can be typed."""
    path = tmp_path / "sneaky.txt"
    path.write_text("pay \u202eevil\u202c now\u200b please", encoding="utf-8")
    assert load_custom_text(path) == "pay evil now please"


def test_custom_text_missing_file(tmp_path: Path) -> None:
    """A missing file says so and suggests checking the path."""
    with pytest.raises(TextError, match="no such file.*path"):
        load_custom_text(tmp_path / "absent.txt")


def test_custom_text_directory(tmp_path: Path) -> None:
    """A directory is refused with a hint to pick a file inside it."""
    with pytest.raises(TextError, match="folder, not a file"):
        load_custom_text(tmp_path)


def test_custom_text_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be opened for permissions says how to fix it."""
    path = tmp_path / "secret.txt"
    path.write_text("hidden", encoding="utf-8")

    def deny(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(TextError, match="permission denied.*chmod"):
        load_custom_text(path)


def test_custom_text_too_large(tmp_path: Path) -> None:
    """A file over the size limit names both sizes and suggests an excerpt."""
    path = tmp_path / "big.txt"
    path.write_text("word " * 50, encoding="utf-8")
    with pytest.raises(TextError, match=r"250 bytes.*at most 100 bytes.*shorter"):
        load_custom_text(path, max_bytes=100)


def test_custom_text_binary_nul(tmp_path: Path) -> None:
    """A file with NUL bytes is called binary."""
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(TextError, match="binary"):
        load_custom_text(path)


def test_custom_text_not_utf8(tmp_path: Path) -> None:
    """A file in another encoding names the encoding problem and the line."""
    path = tmp_path / "latin1.txt"
    path.write_bytes("first line\ncaf\u00e9\n".encode("latin-1"))
    with pytest.raises(TextError, match=r"not valid UTF-8.*line 2.*UTF-8 encoding"):
        load_custom_text(path)


@pytest.mark.parametrize(("content", "what"), [("", "empty"), (" \n\t\r\n  ", "only whitespace")])
def test_custom_text_empty(tmp_path: Path, content: str, what: str) -> None:
    """An empty or whitespace-only file asks for some text."""
    path = tmp_path / "blank.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TextError, match=what):
        load_custom_text(path)


def test_custom_text_control_character(tmp_path: Path) -> None:
    """A control character is named with its line and column."""
    path = tmp_path / "bell.txt"
    path.write_text("fine\nalso fine\nring \x07 here\n", encoding="utf-8")
    with pytest.raises(TextError, match=r"line 3, column 6.*U\+0007") as info:
        load_custom_text(path)
    assert "Remove it" in str(info.value)


# --- import hygiene ---------------------------------------------------------------


def test_import_does_not_pull_in_textual_or_websockets() -> None:
    """Importing bartype.core.texts loads neither textual nor websockets."""
    code = (
        "import bartype.core.texts, sys; "
        "print('textual' in sys.modules or 'websockets' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert result.stdout.strip() == "False"
