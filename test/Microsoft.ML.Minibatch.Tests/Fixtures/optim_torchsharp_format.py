"""Reader and writer for TorchSharp's Module.save state-dict format, in plain Python + numpy.

This is the format Microsoft.ML.Minibatch writes for network weights (StateDictFile). It lets a
state dict move between this library and PyTorch without pickle:

    entry count                      ULEB128
    per entry:
      key                            ULEB128 byte length, then that many UTF-8 bytes
                                     (what .NET BinaryWriter.Write(string) produces)
      dtype                          ULEB128 (TorchSharp ScalarType; 6 = float32)
      rank                           ULEB128
      each dimension                 ULEB128
      data                           raw little-endian elements, row-major

Only float32 is read and written here, like the C# side.

Usage from PyTorch:

    import torch
    from optim_torchsharp_format import load_state_dict, save_state_dict
    model.load_state_dict(load_state_dict("model.bin"))          # file written by C#
    save_state_dict(model.state_dict(), "from_pytorch.bin")        # file for C# to read

Command line (used to prove interop from C# tests and by hand):

    python3 optim_torchsharp_format.py dump FILE
        loads FILE into torch tensors and prints {key: {"shape": [...], "bits": [...]}} as JSON,
        "bits" being each float32's IEEE-754 bit pattern (exact, and valid JSON for inf/NaN too)
"""
import io
import json
import sys

import numpy as np

FLOAT32 = 6
MAX_RANK = 8


def _write_uleb128(stream, value):
    if value < 0:
        raise ValueError("ULEB128 cannot encode negative value %d" % value)
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            stream.write(bytes([byte | 0x80]))
        else:
            stream.write(bytes([byte]))
            return


def _read_uleb128(stream, what):
    result = 0
    shift = 0
    while True:
        b = stream.read(1)
        if not b:
            raise ValueError("truncated while reading %s" % what)
        result |= (b[0] & 0x7F) << shift
        if not b[0] & 0x80:
            return result
        shift += 7
        if shift > 63:
            raise ValueError("%s is not a valid ULEB128 number" % what)


def _remaining(stream):
    """Bytes left in a seekable stream (None if it cannot seek), to refuse absurd sizes before reading."""
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end - here
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None


def write_entries(entries, stream):
    """Writes (key, numpy float32 array) pairs, in order."""
    entries = list(entries)
    _write_uleb128(stream, len(entries))
    for key, array in entries:
        array = np.asarray(array, dtype="<f4")  # not ascontiguousarray: it turns scalars into shape (1,)
        raw_key = key.encode("utf-8")
        _write_uleb128(stream, len(raw_key))  # byte length, as .NET BinaryWriter does
        stream.write(raw_key)
        _write_uleb128(stream, FLOAT32)
        _write_uleb128(stream, array.ndim)
        for dim in array.shape:
            _write_uleb128(stream, dim)
        stream.write(array.tobytes(order="C"))


def read_entries(stream):
    """Reads the format into a list of (key, numpy float32 array), validating every field."""
    count = _read_uleb128(stream, "entry count")
    entries = []
    seen = set()
    for index in range(count):
        key_len = _read_uleb128(stream, "key length of entry %d" % index)
        left = _remaining(stream)
        if left is not None and key_len > left:
            raise ValueError("key of entry %d claims %d bytes but only %d remain" % (index, key_len, left))
        raw_key = stream.read(key_len)
        if len(raw_key) != key_len:
            raise ValueError("truncated in key of entry %d" % index)
        key = raw_key.decode("utf-8")
        if key in seen:
            raise ValueError("duplicate key '%s'" % key)
        seen.add(key)
        dtype = _read_uleb128(stream, "dtype of '%s'" % key)
        if dtype != FLOAT32:
            raise ValueError("'%s' has dtype %d; only 6 (float32) is supported" % (key, dtype))
        rank = _read_uleb128(stream, "rank of '%s'" % key)
        if rank > MAX_RANK:
            raise ValueError("'%s' has rank %d" % (key, rank))
        shape = tuple(_read_uleb128(stream, "dimension of '%s'" % key) for _ in range(rank))
        nbytes = 4
        for dim in shape:
            nbytes *= dim  # Python ints: no overflow, so an absurd claim stays absurd
        left = _remaining(stream)
        if left is not None and nbytes > left:
            raise ValueError("'%s' has shape %s needing %d bytes but only %d remain" % (key, shape, nbytes, left))
        data = stream.read(nbytes)
        if len(data) != nbytes:
            raise ValueError("truncated in data of '%s'" % key)
        entries.append((key, np.frombuffer(data, dtype="<f4").reshape(shape).copy()))
    if stream.read(1):
        raise ValueError("trailing bytes after %d entries" % count)
    return entries


def save_state_dict(state_dict, path):
    """Saves a PyTorch state dict (float32 tensors) so Microsoft.ML.Minibatch can load it."""
    with open(path, "wb") as f:
        write_entries(((k, v.detach().cpu().numpy()) for k, v in state_dict.items()), f)


def load_state_dict(path):
    """Loads a file written by Microsoft.ML.Minibatch into an ordered dict of torch tensors."""
    import collections
    import torch
    with open(path, "rb") as f:
        return collections.OrderedDict((k, torch.from_numpy(v)) for k, v in read_entries(f))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        sd = load_state_dict(sys.argv[2])
        out = {k: {"shape": list(v.shape),
                   "bits": [int(x) for x in v.numpy().view("<u4").flatten()]} for k, v in sd.items()}
        json.dump(out, sys.stdout)
    else:
        sys.exit(__doc__)
