import codecs

import pytest

from nlp.errors import InputError
from nlp.io.textio import decode_bytes, looks_binary

TEXT = "算力产业规模快速增长\n第二行"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.replace("\n", "\r\n").encode("utf-8"),
        TEXT.encode("gbk"),
        TEXT.encode("gb18030"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    ],
    ids=["utf8", "utf8-bom", "crlf", "gbk", "gb18030", "utf16-bom"],
)
def test_decodes_common_encodings_to_the_same_text(data):
    assert decode_bytes(data, "x.txt") == TEXT


def test_binary_data_is_refused_with_the_file_name():
    with pytest.raises(InputError, match=r"^img\.png: binary file"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "img.png")


def test_undecodable_bytes_are_reported_not_dropped():
    data = "正文".encode("utf-8") + b"\xff\xfe\xfa\xfb\x80"
    with pytest.raises(InputError, match="offset 6"):
        decode_bytes(data, "bad.txt")


@pytest.mark.parametrize("data, expected", [(b"plain text", False), (b"a\x00b", True), (b"", False)])
def test_looks_binary(data, expected):
    assert looks_binary(data) is expected
