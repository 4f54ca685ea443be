"""The texts corpus and the generators that turn it into typing targets.

The corpus is a folder (``texts/`` in the repository, ``bartype/_texts`` in an
installed wheel) holding:

* ``words/<language>_<size>.txt``: one word per line, most common first;
* ``quotes/english.jsonl``: one ``{"id", "text", "source"}`` object per line;
* ``code/<language>.txt``: snippets separated by a line that is exactly ``---``.

Nothing is read at import time: :class:`TextLibrary` reads a file the first
time it is asked for it and keeps the result. Every text handed out has been
through :func:`bartype.core.normalize.normalize_text`.

The generators take an explicit :class:`random.Random`, so a seed gives the
same text every time (races, replays, tests) and the global random state is
never touched.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bartype.core.normalize import normalize_text

__all__ = [
    "QUOTE_LENGTHS",
    "CodeSnippet",
    "Quote",
    "TextError",
    "TextLibrary",
    "default_texts_root",
    "load_custom_text",
    "pick_code",
    "pick_quote",
    "random_words",
]

QUOTE_LENGTHS = ("short", "medium", "long")
"""Quote length classes, by character count: <=100, <=300, >300."""

SHORT_QUOTE_MAX = 100
MEDIUM_QUOTE_MAX = 300

QUOTES_FILE = Path("quotes") / "english.jsonl"
SNIPPET_SEPARATOR = "---"

# random_words tuning (probabilities are per word).
SENTENCE_MIN_WORDS = 5
SENTENCE_MAX_WORDS = 15
NUMBER_RATE = 0.10
COMMA_RATE = 0.10
SEMICOLON_RATE = 0.02
COLON_RATE = 0.02
QUOTE_WRAP_RATE = 0.03
PAREN_WRAP_RATE = 0.03
DASH_RATE = 0.03
SENTENCE_ENDINGS = (".", ".", ".", ".", "?", "!")

_ALLOWED_CONTROLS = frozenset("\t\n\r")


class TextError(ValueError):
    """A text file or request that cannot be used; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Quote:
    """One quotation: its stable id, the text to type and where it comes from."""

    id: int
    text: str
    source: str

    @property
    def length(self) -> str:
        """``"short"``, ``"medium"`` or ``"long"`` by character count (<=100, <=300, >300)."""
        n = len(self.text)
        if n <= SHORT_QUOTE_MAX:
            return "short"
        if n <= MEDIUM_QUOTE_MAX:
            return "medium"
        return "long"


@dataclass(frozen=True, slots=True)
class CodeSnippet:
    """One code snippet; ``index`` is its 0-based position in the language's file."""

    language: str
    index: int
    text: str


def default_texts_root() -> Path:
    """The installed corpus.

    ``bartype/_texts`` inside the package (wheel installs, via hatch
    force-include) if it exists, else ``<repo>/texts`` (editable installs and
    tests). Computed when called.
    """
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "_texts"
    if installed.is_dir():
        return installed
    return package_dir.parent / "texts"


def _list_size(name: str) -> int:
    """The size a list name promises: ``english_200`` -> 200, ``german_1k`` -> 1000."""
    _, _, suffix = name.rpartition("_")
    multiplier = 1
    if suffix.endswith("k"):
        suffix, multiplier = suffix[:-1], 1000
    try:
        return int(suffix) * multiplier
    except ValueError:
        return 10**9  # unnamed sizes sort last


def _read_corpus_file(path: Path) -> str:
    """Read a corpus file as UTF-8, turning every failure into a TextError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TextError(
            f"Text file {path} is missing. Restore the texts folder or reinstall BARtype."
        ) from None
    except OSError as exc:
        raise TextError(f"Cannot read text file {path}: {exc.strerror or exc}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TextError(
            f"Text file {path} is not valid UTF-8 (bad byte at offset {exc.start}). "
            "Re-save it as UTF-8."
        ) from None


class TextLibrary:
    """Word lists, quotes and code snippets under one corpus folder.

    Files are read the first time they are needed and then cached.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._words: dict[str, list[str]] = {}
        self._quotes: list[Quote] | None = None
        self._quotes_by_id: dict[int, Quote] = {}
        self._code: dict[str, list[CodeSnippet]] = {}

    def __repr__(self) -> str:
        return f"TextLibrary({str(self.root)!r})"

    def _stems(self, folder: str, suffix: str) -> list[str]:
        directory = self.root / folder
        if not directory.is_dir():
            return []
        return sorted(p.stem for p in directory.glob(f"*{suffix}") if p.is_file())

    # --- words -----------------------------------------------------------

    def word_lists(self) -> list[str]:
        """Names of the word lists, e.g. ``["english_1k", "english_200", ...]`` (sorted)."""
        return self._stems("words", ".txt")

    def languages(self) -> list[str]:
        """Languages that have at least one word list, e.g. ``["english", "german"]``."""
        return sorted({name.rpartition("_")[0] or name for name in self.word_lists()})

    def _resolve_word_list(self, name: str) -> str:
        key = name.strip().casefold()
        lists = self.word_lists()
        if key in lists:
            return key
        candidates = [n for n in lists if (n.rpartition("_")[0] or n) == key]
        if candidates:
            return min(candidates, key=lambda n: (_list_size(n), n))
        available = ", ".join(lists) if lists else "none"
        raise TextError(
            f"Unknown word list {name!r}. Available lists: {available}; "
            f"or give a language: {', '.join(self.languages()) or 'none'}."
        )

    def words(self, name: str) -> list[str]:
        """The words of a list, by list name or by language name.

        A language name picks that language's smallest list (``"english"`` ->
        ``"english_200"``). Duplicates are dropped, keeping the first.
        """
        list_name = self._resolve_word_list(name)
        cached = self._words.get(list_name)
        if cached is not None:
            return list(cached)
        path = self.root / "words" / f"{list_name}.txt"
        text = _read_corpus_file(path)
        words: list[str] = []
        seen: set[str] = set()
        for line_no, raw in enumerate(text.splitlines(), start=1):
            word = normalize_text(raw)
            if not word:
                continue
            if any(ch.isspace() for ch in word):
                raise TextError(
                    f"{path} line {line_no}: {word!r} is more than one word. "
                    "Put one word on each line."
                )
            if word not in seen:
                seen.add(word)
                words.append(word)
        if not words:
            raise TextError(f"Word list {path} has no words. Put one word on each line.")
        self._words[list_name] = words
        return list(words)

    # --- quotes ----------------------------------------------------------

    def quotes(self) -> list[Quote]:
        """Every quote, in file order."""
        if self._quotes is None:
            self._quotes = self._load_quotes()
            self._quotes_by_id = {q.id: q for q in self._quotes}
        return list(self._quotes)

    def _load_quotes(self) -> list[Quote]:
        path = self.root / QUOTES_FILE
        text = _read_corpus_file(path)
        quotes: list[Quote] = []
        ids: set[int] = set()
        for line_no, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            where = f"{path} line {line_no}"
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise TextError(f"{where} is not valid JSON ({exc.msg}).") from None
            if not isinstance(obj, dict):
                raise TextError(f'{where}: expected an object {{"id", "text", "source"}}.')
            quote_id, body, source = obj.get("id"), obj.get("text"), obj.get("source")
            if not isinstance(quote_id, int) or isinstance(quote_id, bool):
                raise TextError(f'{where}: "id" must be an integer.')
            if not isinstance(body, str) or not normalize_text(body):
                raise TextError(f'{where}: "text" must be a non-empty string.')
            if not isinstance(source, str) or not source.strip():
                raise TextError(f'{where}: "source" must name the author and work.')
            if quote_id in ids:
                raise TextError(
                    f"{where}: id {quote_id} is used twice. Give each quote its own id."
                )
            ids.add(quote_id)
            quotes.append(Quote(quote_id, normalize_text(body), " ".join(source.split())))
        if not quotes:
            raise TextError(f"{path} has no quotes. Add one JSON object per line.")
        return quotes

    def quote(self, quote_id: int) -> Quote:
        """The quote with this id."""
        self.quotes()
        found = self._quotes_by_id.get(quote_id)
        if found is None:
            known = sorted(self._quotes_by_id)
            raise TextError(
                f"There is no quote with id {quote_id}. "
                f"Quote ids run from {known[0]} to {known[-1]}."
            )
        return found

    # --- code ------------------------------------------------------------

    def code_languages(self) -> list[str]:
        """Languages with code snippets, e.g. ``["javascript", "python", "rust"]``."""
        return self._stems("code", ".txt")

    def code(self, language: str) -> list[CodeSnippet]:
        """The snippets of one programming language, in file order."""
        key = language.strip().casefold()
        if key not in self.code_languages():
            available = ", ".join(self.code_languages()) or "none"
            raise TextError(f"No code snippets for {language!r}. Available: {available}.")
        cached = self._code.get(key)
        if cached is not None:
            return list(cached)
        path = self.root / "code" / f"{key}.txt"
        blocks: list[list[str]] = [[]]
        for line in _read_corpus_file(path).splitlines():
            if line.strip() == SNIPPET_SEPARATOR:
                blocks.append([])
            else:
                blocks[-1].append(line)
        snippets: list[CodeSnippet] = []
        for block in blocks:
            body = normalize_text("\n".join(block))
            if body:
                snippets.append(CodeSnippet(key, len(snippets), body))
        if not snippets:
            raise TextError(f"{path} has no snippets. Separate snippets with a line '---'.")
        self._code[key] = snippets
        return list(snippets)


# --- generators ------------------------------------------------------------


def _random_number(rng: random.Random) -> str:
    digits = rng.randint(1, 4)
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return str(rng.randrange(low, 10**digits))


def _pick_words(words: Sequence[str], count: int, rng: random.Random, numbers: bool) -> list[str]:
    """``count`` tokens, never the same twice in a row."""
    distinct = list(dict.fromkeys(normalize_text(w) for w in words))
    distinct = [w for w in distinct if w]
    if not distinct:
        raise TextError("The word list is empty. Choose a list that has words in it.")
    if len(distinct) < 2 and count > 1:
        raise TextError(
            "The word list needs at least two different words so no word repeats twice in a row."
        )
    n = len(distinct)
    tokens: list[str] = []
    previous_index = -1
    for _ in range(count):
        previous = tokens[-1] if tokens else None
        if numbers and rng.random() < NUMBER_RATE:
            token = _random_number(rng)
            while token == previous:
                token = _random_number(rng)
            previous_index = -1
        else:
            index = rng.randrange(n)
            if n > 1 and (index == previous_index or distinct[index] == previous):
                index = (index + 1 + rng.randrange(n - 1)) % n
            token = distinct[index]
            previous_index = index
        tokens.append(token)
    return tokens


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _punctuate(tokens: list[str], rng: random.Random) -> list[str]:
    """Sentence case, sentence ends, commas, quotes, parentheses and dashes."""
    out: list[str] = []
    sentence_left = rng.randint(SENTENCE_MIN_WORDS, SENTENCE_MAX_WORDS)
    start_of_sentence = True
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        word = _capitalise(token) if start_of_sentence else token
        start_of_sentence = False
        sentence_left -= 1
        if i == last:
            out.append(word + ".")
            break
        if sentence_left <= 0:
            out.append(word + rng.choice(SENTENCE_ENDINGS))
            sentence_left = rng.randint(SENTENCE_MIN_WORDS, SENTENCE_MAX_WORDS)
            start_of_sentence = True
            continue
        roll = rng.random()
        if roll < QUOTE_WRAP_RATE:
            word = f'"{word}"'
        elif roll < QUOTE_WRAP_RATE + PAREN_WRAP_RATE:
            word = f"({word})"
        roll = rng.random()
        if roll < COMMA_RATE:
            word += ","
        elif roll < COMMA_RATE + SEMICOLON_RATE:
            word += ";"
        elif roll < COMMA_RATE + SEMICOLON_RATE + COLON_RATE:
            word += ":"
        elif roll < COMMA_RATE + SEMICOLON_RATE + COLON_RATE + DASH_RATE:
            out.append(word)
            word = "-"
        out.append(word)
    return out


def random_words(
    words: Sequence[str],
    count: int,
    rng: random.Random,
    *,
    punctuation: bool = False,
    numbers: bool = False,
) -> str:
    """``count`` words joined by spaces.

    Never the same word twice in a row. With ``punctuation`` (Monkeytype-like):
    capitalise the first word and words after . ? !, end sentences with . ? !
    every 5-15 words, occasional , ; : and quotes/parentheses around single
    words or a standalone ``-`` dash between two words (a dash is not one of the
    ``count`` words), end with a full stop. With ``numbers``: replace about 10%
    of words by 1-4 digit numbers. Deterministic given the rng state.
    """
    if count < 1:
        raise TextError(f"Asked for {count} words; ask for at least 1.")
    tokens = _pick_words(words, count, rng, numbers)
    if punctuation:
        tokens = _punctuate(tokens, rng)
    return normalize_text(" ".join(tokens))


def pick_quote(quotes: Sequence[Quote], length: str | None, rng: random.Random) -> Quote:
    """A random quote of the given length class (``None`` = any length)."""
    if length is not None and length not in QUOTE_LENGTHS:
        raise TextError(f"Unknown quote length {length!r}. Use one of: {', '.join(QUOTE_LENGTHS)}.")
    pool = [q for q in quotes if length is None or q.length == length]
    if not pool:
        what = f"{length} quotes" if length else "quotes"
        raise TextError(f"There are no {what} to choose from. Try another length.")
    return rng.choice(pool)


def pick_code(snippets: Sequence[CodeSnippet], rng: random.Random, count: int = 1) -> str:
    """``count`` random snippets joined by newlines.

    No snippet repeats until all have been used, and never twice in a row.
    """
    if count < 1:
        raise TextError(f"Asked for {count} snippets; ask for at least 1.")
    if not snippets:
        raise TextError("There are no code snippets to choose from.")
    pool = list(snippets)
    chosen: list[CodeSnippet] = []
    while len(chosen) < count:
        batch = rng.sample(pool, len(pool))
        if chosen and len(batch) > 1 and batch[0] == chosen[-1]:
            batch.append(batch.pop(0))
        chosen.extend(batch)
    return normalize_text("\n".join(s.text for s in chosen[:count]))


# --- custom texts ------------------------------------------------------------


def _describe_char(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    try:
        return f"{code} ({unicodedata.name(ch)})"
    except ValueError:
        return code


def load_custom_text(path: Path, *, max_bytes: int = 1_000_000) -> str:
    """Read a user's text file for custom mode.

    Raises a :class:`TextError` saying what is wrong and what to do for: a
    missing file, a directory, an unreadable file (permissions), a file larger
    than ``max_bytes``, a binary file (NUL bytes, or not valid UTF-8), a file
    that is empty or whitespace-only after normalisation, and control
    characters other than tab/newline/CR (naming the first one and its line).
    Returns ``normalize_text(content)``.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise TextError(
            f"{path}: no such file. Check the spelling, or give the full path to a text file."
        ) from None
    except PermissionError:
        raise TextError(
            f"{path}: permission denied while looking for the file. "
            "Check the permissions of the folders on its path."
        ) from None
    except OSError as exc:
        raise TextError(f"{path}: cannot open it ({exc.strerror or exc}).") from None
    if path.is_dir():
        raise TextError(f"{path} is a folder, not a file. Give the path of a text file inside it.")
    if not path.is_file():
        raise TextError(f"{path} is not a regular file. Give the path of a plain text file.")
    if info.st_size > max_bytes:
        raise TextError(
            f"{path} is {info.st_size:,} bytes; custom texts can be at most {max_bytes:,} bytes. "
            "Use a shorter excerpt of it."
        )
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except PermissionError:
        raise TextError(
            f"{path}: permission denied. Make the file readable (for example: chmod u+r) "
            "or copy it somewhere you can read it."
        ) from None
    except OSError as exc:
        raise TextError(f"{path}: cannot read it ({exc.strerror or exc}).") from None
    if len(data) > max_bytes:
        raise TextError(f"{path} is larger than {max_bytes:,} bytes; use a shorter excerpt of it.")
    if b"\x00" in data:
        raise TextError(
            f"{path} looks like a binary file (it contains NUL bytes), not text. "
            "Choose a plain text file, or save the document as UTF-8 text (.txt)."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        raise TextError(
            f"{path} is not valid UTF-8 text: byte 0x{data[exc.start]:02X} on line {bad_line} "
            "cannot be decoded (wrong encoding, or a binary file). "
            "Re-save the file with UTF-8 encoding."
        ) from None
    for line_no, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        for column, ch in enumerate(line, start=1):
            if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc":
                raise TextError(
                    f"{path} line {line_no}, column {column}: control character "
                    f"{_describe_char(ch)} cannot be typed. Remove it; only tabs and "
                    "line breaks are allowed."
                )
    normalized = normalize_text(text)
    if not normalized:
        what = "is empty" if not text else "contains only whitespace"
        raise TextError(f"{path} {what}. Put some text to type in it.")
    return normalized
