"""How ``kiosk`` reads its command line: common options anywhere, typos answered helpfully."""

from __future__ import annotations

import pytest

from kiosk.cli import COMMANDS, UnknownCommand, build_parser, with_command


def parse(*argv: str) -> object:
    parser, handlers = build_parser()
    return parser.parse_args(with_command(argv, (*COMMANDS, *handlers)))


@pytest.mark.parametrize("argv", [
    ("--data-dir", "X", "self-test"),
    ("--data-dir=X", "self-test"),
    ("self-test", "--data-dir", "X"),
    ("-v", "--data-dir", "X", "self-test"),
])
def test_common_options_before_or_after_the_command(argv: tuple[str, ...]) -> None:
    args = parse(*argv)
    assert args.command == "self-test"  # type: ignore[attr-defined]
    assert args.data_dir == "X"  # type: ignore[attr-defined]


def test_verbose_before_the_command_is_kept() -> None:
    assert parse("-v", "self-test").verbose is True  # type: ignore[attr-defined]
    assert parse("self-test", "-v").verbose is True  # type: ignore[attr-defined]
    assert parse("self-test").verbose is False  # type: ignore[attr-defined]


def test_common_options_reach_plugin_commands() -> None:
    args = parse("--data-dir", "X", "-v", "packs", "list")
    assert (args.command, args.packs_command, args.data_dir, args.verbose) == (  # type: ignore[attr-defined]
        "packs", "list", "X", True)


@pytest.mark.parametrize("argv", [(), ("--windowed",), ("-v", "--camera", "0"),
                                  ("--data-dir", "X")])
def test_run_is_the_default_command(argv: tuple[str, ...]) -> None:
    assert parse(*argv).command == "run"  # type: ignore[attr-defined]


def test_a_typo_in_the_command_names_the_nearest_one() -> None:
    with pytest.raises(UnknownCommand, match=r"did you mean `kiosk packs list`\?"):
        parse("pack", "list")
    with pytest.raises(UnknownCommand, match=r"did you mean `kiosk self-test`\?"):
        parse("-v", "selftest")


def test_a_typo_in_an_action_names_the_nearest_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse("packs", "lst")
    assert exit_info.value.code == 2
    assert "did you mean `kiosk packs list`?" in capsys.readouterr().err


def test_top_level_help_names_runs_options() -> None:
    """`kiosk --help` is where an installer looks first: the kiosk's own options are there,
    and the way to every command's options."""
    parser, _ = build_parser()
    text = " ".join(parser.format_help().split())  # argparse wraps lines anywhere
    for option in ("--windowed", "--camera SRC", "--lang {de,en}"):
        assert option in text, option
    assert "--exit-when-ready" not in text  # hidden stays hidden
    assert "kiosk run --help" in text and "kiosk COMMAND --help" in text
