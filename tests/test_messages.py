"""The command line's habits: its words in Chinese or English, help and an example for everything, a progress bar."""

from __future__ import annotations

import argparse
import contextlib
import gettext
import io
import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from smartcity_rules import cli, messages

from .conftest import FIXTURES, ROOT, load_script


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def tool() -> ModuleType:
    return load_script("tools/cli_messages.py")


def commands() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    parser = cli._parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    yield from sub.choices.items()


# ---------------------------------------------------------------- catalogues
def test_every_word_of_the_command_line_is_translated_into_chinese() -> None:
    translated = messages.parse_po(messages.catalogue_source("zh"))
    untranslated = [word for word in tool().collect() if word not in translated]
    assert untranslated == [], "run `python tools/cli_messages.py` and translate these in the zh .po"


def test_the_catalogue_holds_no_word_the_command_line_no_longer_says() -> None:
    assert sorted(set(messages.message_ids("zh")) - set(tool().collect())) == []


def test_the_po_source_compiles_to_what_gettext_reads() -> None:
    source = messages.parse_po(messages.catalogue_source("zh"))
    catalogue = gettext.GNUTranslations(io.BytesIO(messages.compile_mo(source)))
    assert catalogue.info()["content-type"] == "text/plain; charset=UTF-8"
    for word, translation in source.items():
        if word:
            assert catalogue.gettext(word) == translation
    assert catalogue.gettext("not a word it knows") == "not a word it knows"


def test_po_strings_continue_and_unescape() -> None:
    text = 'msgid ""\n"a \\"b\\"\\n"\n"c"\nmsgstr "x\\\\y"\n\nmsgid "untranslated"\nmsgstr ""\n'
    assert messages.parse_po(text) == {'a "b"\nc': "x\\y"}
    assert messages.parse_po(text, untranslated=True)["untranslated"] == ""


@pytest.mark.parametrize(("environ", "language"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "zh_TW"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"), ({}, "en"),
    ({"LANGUAGE": "en", "LANG": "zh_CN.UTF-8"}, "en"), ({"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, "zh"),
    ({"LANGUAGE": "", "LC_MESSAGES": "zh_CN"}, "zh"),
])
def test_chinese_is_the_default_when_the_locale_is_chinese(environ: dict[str, str], language: str) -> None:
    assert messages.default_language(environ) == language


# ---------------------------------------------------------------- --lang
def test_lang_zh_speaks_chinese() -> None:
    code, out, _ = run("--lang", "zh", "check", FIXTURES / "mini.scs")
    assert code == 0 and out.strip() == f"{FIXTURES / 'mini.scs'}: 通过, 0 个警告"


def test_a_chinese_locale_gives_chinese_help_and_lang_en_overrides_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "zh_CN:zh")
    code, out, _ = run("score", "--help")
    assert code == 0 and out.startswith("用法：smartcity-rules score") and "示例：" in out and "位置参数" in out
    code, out, _ = run("score", "--help", "--lang", "en")  # after the command too
    assert code == 0 and out.startswith("usage: smartcity-rules score") and "example:" in out


def test_the_library_error_keeps_its_words_and_the_prefix_is_translated(tmp_path: Path) -> None:
    code, _, err = run("--lang=zh", "docs", FIXTURES / "mini.scs", "-o", tmp_path / "no" / "x.html")
    assert code == 1 and err.startswith(f"错误：无法写入 {tmp_path / 'no' / 'x.html'}：")


def test_a_bad_lang_is_a_usage_error() -> None:
    code, _, err = run("--lang", "fr", "check", FIXTURES / "mini.scs")
    assert code == 2 and "--lang" in err


@pytest.mark.parametrize(("argv", "chinese"), [
    (("score",), "smartcity-rules score：错误：缺少必需的参数：STANDARD, DATA"),
    (("score", "--format", "bogus", "a", "b"), "score：错误：参数 --format：无效的选项：'bogus'（可选："),
    (("score", "--entity"), "smartcity-rules score：错误：参数 --entity：需要一个参数值"),
    (("check", "--bogus", "x.scs"), "smartcity-rules：错误：无法识别的参数：--bogus"),
])
def test_argparses_own_usage_errors_speak_the_run_s_language(argv: tuple[str, ...], chinese: str) -> None:
    code, _, err = run("--lang", "zh", *argv)
    assert code == 2 and chinese in err.splitlines()[-1]
    code, _, err = run("--lang", "en", *argv)
    assert code == 2 and "error:" in err and "错误" not in err


def test_argparse_keeps_its_own_words_outside_a_run() -> None:
    run("--lang", "zh", "score")
    with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()) as err:
        argparse.ArgumentParser(prog="other").parse_args(["--x"])
    assert "error: unrecognized arguments: --x" in err.getvalue()


def test_main_leaves_no_language_behind() -> None:
    run("--lang", "zh", "check", FIXTURES / "mini.scs")
    assert cli._("ok") == "ok"


# ---------------------------------------------------------------- --help
def test_every_option_of_every_command_has_help() -> None:
    for name, command in commands():
        bare = [a.dest for a in command._actions if not a.help or a.help == argparse.SUPPRESS]
        assert bare == [], f"{name}: options without help"


@pytest.mark.parametrize("name", [name for name, _ in commands()])
def test_every_command_shows_an_example_that_parses(name: str) -> None:
    code, out, _ = run(name, "--help")
    example = cli.EXAMPLES[name]
    assert code == 0 and f"example:\n  {example}\n" in out
    words = shlex.split(example)
    assert words[0] == "smartcity-rules" and words[1] == name
    assert cli._parser().parse_args(words[1:]).command == name


def test_the_examples_name_files_that_exist() -> None:
    for example in cli.EXAMPLES.values():
        for word in shlex.split(example):
            if word.endswith((".scs", ".json")):
                assert (ROOT / word).is_file(), word


# ---------------------------------------------------------------- the progress bar
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def slowly(count: int, pause: float) -> Iterator[int]:
    for k in range(count):
        time.sleep(pause)
        yield k


def test_the_bar_shows_on_a_terminal_once_a_second_has_passed() -> None:
    err = Terminal()
    assert list(cli._progress(slowly(6, 0.25), io.StringIO(), err)) == list(range(6))
    assert "scoring" in err.getvalue() and "entities" in err.getvalue()


def test_a_known_count_shows_how_far_the_run_is() -> None:
    err = Terminal()
    list(cli._progress(slowly(6, 0.25), io.StringIO(), err, total=6))
    assert "/6" in err.getvalue()


def test_a_short_run_shows_no_bar() -> None:
    err = Terminal()
    assert list(cli._progress(range(1000), io.StringIO(), err)) == list(range(1000))
    assert err.getvalue() == ""


def test_the_bar_is_quiet_off_a_terminal_and_beside_results_on_one() -> None:
    items = range(3)
    assert cli._progress(items, io.StringIO(), io.StringIO()) is items  # stderr is not a terminal
    assert cli._progress(items, Terminal(), Terminal(), to_terminal=True) is items  # results on that terminal
    assert cli._progress(items, io.StringIO(), Terminal(), to_terminal=True) is not items  # results to a file
