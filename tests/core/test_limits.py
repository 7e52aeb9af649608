"""The bounded line reader: exact at its limit, for text and bytes, whatever the line ends."""

import io

import pytest

from embedviz.core.limits import bounded_lines


class TooLong(Exception):
    pass


@pytest.mark.parametrize("end", ["\n", "\r\n"])
@pytest.mark.parametrize("binary", [False, True])
def test_a_line_of_exactly_the_limit_passes_one_more_is_refused(end, binary):
    def stream(text):
        return io.BytesIO(text.encode()) if binary else io.StringIO(text, newline="")

    def as_read(text):
        return text.encode() if binary else text

    lines = list(bounded_lines(stream("a" * 10 + end + "b"), 10, TooLong))
    assert lines == [(1, as_read("a" * 10 + end)), (2, as_read("b"))]
    with pytest.raises(TooLong) as refused:
        list(bounded_lines(stream("short" + end + "a" * 11 + end), 10, lambda n: TooLong(n)))
    assert refused.value.args == (2,)
    with pytest.raises(TooLong):  # the last line, without an end
        list(bounded_lines(stream("a" * 11), 10, TooLong))


def test_a_file_without_newlines_is_never_held_whole():
    class Counting(io.StringIO):
        most = 0

        def readline(self, size=-1):
            line = super().readline(size)
            Counting.most = max(Counting.most, len(line))
            return line

    with pytest.raises(TooLong):
        list(bounded_lines(Counting("x" * 1_000_000), 100, TooLong))
    assert Counting.most <= 102
