"""The texts corpus on disk, and the user's own text files.

The corpus is a folder (``texts/`` in the repository, ``bartype/_texts`` in an
installed wheel) holding:

* ``words/<language>_<size>.txt``: one word per line, most common first;
* ``quotes/english.jsonl``: one ``{"id", "text", "source"}`` object per line;
* ``code/<language>.txt``: snippets separated by a line that is exactly ``---``.

Nothing is read at import time: :class:`TextLibrary` reads a file the first time it is
asked for it and keeps the result; the parsing itself is pure, in ``bartype.core.texts``.
"""

from __future__ import annotations

from pathlib import Path

from bartype.core.texts import (
    CodeSnippet,
    Quote,
    TextError,
    check_custom_text,
    list_size,
    parse_quotes,
    parse_snippets,
    parse_word_list,
)

__all__ = ["TextLibrary", "default_texts_root", "load_custom_text", "read_corpus_file"]

QUOTES_FILE = Path("quotes") / "english.jsonl"


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


def read_corpus_file(path: Path) -> str:
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
            return min(candidates, key=lambda n: (list_size(n), n))
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
        words = parse_word_list(read_corpus_file(path), str(path))
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
        return parse_quotes(read_corpus_file(path), str(path))

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
        snippets = parse_snippets(read_corpus_file(path), key, str(path))
        self._code[key] = snippets
        return list(snippets)


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
    return check_custom_text(text, str(path))
