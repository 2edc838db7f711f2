"""Atomic writes honour the umask: files meant for a web server or another user are not left 0600."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from council.files import write_atomically


@pytest.fixture
def umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_0644_under_umask_022(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "feeds" / "council.ics"
    write_atomically(path, b"BEGIN:VCALENDAR\r\n")
    assert path.read_bytes() == b"BEGIN:VCALENDAR\r\n"
    assert mode_of(path) == 0o644


def test_a_replaced_file_gets_the_umask_mode_too(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "a.eml"
    write_atomically(path, b"one")
    write_atomically(path, b"two")
    assert path.read_bytes() == b"two"
    assert mode_of(path) == 0o644


@pytest.mark.parametrize(("mask", "expected"), [(0o077, 0o600), (0o002, 0o664), (0o027, 0o640)])
def test_the_umask_decides(tmp_path: Path, mask: int, expected: int) -> None:
    previous = os.umask(mask)
    try:
        write_atomically(tmp_path / "x.bin", b"x")
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / "x.bin") == expected


def test_a_narrower_mode_is_still_masked(tmp_path: Path, umask: None) -> None:
    write_atomically(tmp_path / "public.ics", b"x", mode=0o644)
    assert mode_of(tmp_path / "public.ics") == 0o644
    previous = os.umask(0o077)
    try:
        write_atomically(tmp_path / "public.ics", b"y", mode=0o644)
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / "public.ics") == 0o600


def test_no_temporary_file_is_left_behind_and_concurrent_writers_each_win_whole(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "same.txt"
    payloads = [bytes([65 + index]) * 50_000 for index in range(8)]
    threads = [threading.Thread(target=write_atomically, args=(path, payload)) for payload in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert path.read_bytes() in payloads
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["same.txt"]
