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


def test_a_stream_expanding_past_the_ratio_is_refused_after_a_few_megabytes(tmp_path):
    import gzip

    from embedviz.core.errors import EmbedvizError
    from embedviz.core.limits import RATIO_FROM_BYTES, LimitedReader, compressed_position

    path = tmp_path / "zeros.gz"
    path.write_bytes(gzip.compress(b"0" * 40_000_000))
    stream = gzip.open(path, "rb")
    reader = LimitedReader(stream, "zeros.gz", EmbedvizError, compressed=compressed_position(stream))
    with pytest.raises(EmbedvizError, match="zeros.gz expands more than 50 times"):
        while reader.read(1 << 16):
            pass
    assert RATIO_FROM_BYTES < reader.seen < RATIO_FROM_BYTES + (1 << 17)   # stopped at once
    # text at its usual ratio passes
    text = tmp_path / "text.gz"
    text.write_bytes(gzip.compress(" ".join(f"word{i % 5000} and more" for i in range(600_000)).encode()))
    stream = gzip.open(text, "rb")
    reader = LimitedReader(stream, "text.gz", EmbedvizError, compressed=compressed_position(stream))
    while reader.read(1 << 16):
        pass
    assert reader.seen > RATIO_FROM_BYTES
