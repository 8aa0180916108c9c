"""One response for every private file: never cached, never sniffed, 404 when missing."""

import io
from typing import IO, Any

from django.http import FileResponse, Http404


def private_file_response(
    source: Any, *, content_type: str, filename: str = "", inline: bool = False
) -> FileResponse:
    """`source` is a stored FieldFile, bytes, or an open binary file. A FieldFile whose file
    is gone from storage gives 404 (never a 500). With `filename` the browser saves the file
    under that name unless `inline`."""
    stream: IO[bytes]
    if isinstance(source, bytes | bytearray):
        stream = io.BytesIO(source)
    elif hasattr(source, "storage") and hasattr(source, "name"):
        name = source.name
        if not name or not source.storage.exists(name):
            raise Http404
        stream = source.storage.open(name, "rb")
    else:
        stream = source
    response = FileResponse(
        stream,
        as_attachment=bool(filename) and not inline,
        filename=filename,
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
