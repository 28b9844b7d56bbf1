"""The bounds a model file must stay within before anything in it is inflated, parsed or built.

Each is a module attribute, so a program that really loads larger files can raise it
(``neuroflow.saving.limits.MAX_FILE_BYTES = 64 << 30``). They bound the *work* a hostile or damaged file can
cause: with them, loading any file takes time and memory proportional to the model it legitimately describes.
"""
from __future__ import annotations

#: The largest model file read at all (the zip as stored on disk).
MAX_FILE_BYTES = 16 << 30
#: Zip members: metadata, config, weights, optimizer state, signature (a little slack for future members).
MAX_MEMBERS = 8
#: The central directory of a neuroflow zip is a few hundred bytes.
MAX_CENTRAL_DIRECTORY_BYTES = 64 << 10
#: metadata.json and signature.hmac, inflated.
MAX_METADATA_BYTES = 64 << 10
#: config.json, inflated (architecture + compile arguments + training state; vocabularies can make it large).
MAX_CONFIG_BYTES = 32 << 20
#: A safetensors header (JSON describing every tensor).
MAX_TENSOR_HEADER_BYTES = 16 << 20
#: Nesting of the JSON config (a nested model adds about four levels).
MAX_JSON_DEPTH = 64
#: JSON values in the config, all levels together.
MAX_JSON_VALUES = 2_000_000
#: Characters of any one string in the config.
MAX_STRING_CHARS = 1 << 16
#: Layers in one model, nested models included.
MAX_LAYERS = 10_000
#: Dimensions of a stored tensor.
MAX_TENSOR_RANK = 16
#: Weight elements a model rebuilt *without* stored weights may allocate (``model_from_json``, an unbuilt file):
#: 2**28 float32 numbers are 1 GiB.
MAX_UNSAVED_WEIGHT_ELEMENTS = 1 << 28
#: Weight elements a model with stored weights may allocate beyond those it stores.
WEIGHT_SLACK_ELEMENTS = 1 << 16
#: A member of a version-1 file (which did not list its weights' shapes) inflates to at most this many bytes.
MAX_LEGACY_MEMBER_BYTES = 2 << 30
#: The largest integer accepted anywhere in a config (seeds and random-generator states are up to 2**128).
MAX_JSON_INT = 1 << 130
