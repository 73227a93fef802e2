#!/usr/bin/env python3
"""ASN.1 aligned-PER oracle for cascade's tests, built on asn1tools.

Compiles the repository's ASN.1 modules (``asn1/*.asn``, found relative to this
script) once with codec ``per`` (ALIGNED PER, the H.323 wire format), then answers
JSON lines on stdin with one JSON line each on stdout:

  {"op":"decode","type":"H323-UserInformation","hex":"..."}
      -> {"ok":true,"value":<JSON value>,"reencoded":"<hex>"}
  {"op":"encode","type":"RasMessage","value":<JSON value>}
      -> {"ok":true,"hex":"..."}
  {"op":"compile","schema":"next","patches":[{"file":"H323-MESSAGES.asn",
                                               "find":"...","replace":"..."}]}
      -> {"ok":true}   (later ops may name "schema":"next" to use the edited copy)
  any failure -> {"ok":false,"error":"..."}

An optional "module" field picks the module of a type name found in several
modules (e.g. "NonStandardParameter"); without it H323-MESSAGES,
MULTIMEDIA-SYSTEM-CONTROL and H235-SECURITY-MESSAGES are searched in that order.

JSON form of values (walked with the compiled type, so it is unambiguous both ways):
  OCTET STRING / open type -> lowercase hex string
  BIT STRING               -> {"hex": "<bytes>", "bits": <number of bits>}
  CHOICE                   -> {"choice": "<alternative>", "value": <value>}
                              (an unknown extension alternative decodes to
                               {"choice": null, "value": null})
  SEQUENCE / SET           -> object keyed by the ASN.1 component names
  SEQUENCE OF / SET OF     -> array
  NULL -> null; BOOLEAN, INTEGER, strings, ENUMERATED, OBJECT IDENTIFIER
  ("0.0.8.2250.0.6") -> as asn1tools gives them.
"""

import binascii
import glob
import json
import os
import sys

import asn1tools
from asn1tools.codecs import per

ASN1_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "asn1")
MODULE_ORDER = ["H323-MESSAGES", "MULTIMEDIA-SYSTEM-CONTROL", "H235-SECURITY-MESSAGES"]


# asn1tools 0.169 defect (see asn1/UPSTREAM.md, "Known defect"): when a SEQUENCE
# extension addition is present, MembersType.decode_additions decodes the value
# and then only re-aligns to the next octet, instead of skipping to the end of
# the open type that carries it. A value shorter than its open type (the NULL
# fastConnectRefused, sent as one 0x00 octet in a length-1 open type) then
# shifts every later addition, which silently vanish (h245Tunnelling,
# h245Control). X.691 says the open type length is authoritative, so this
# replacement skips exactly the rest of the open type after the value.
def _decode_additions_fixed(self, decoder):
    length = decoder.read_normally_small_length()
    presence_bits = decoder.read_non_negative_binary_integer(length)
    decoder.align()
    decoded = {}

    for i in range(length):
        if presence_bits & (1 << (length - i - 1)):
            open_type_length = decoder.read_length_determinant()
            start = decoder.number_of_bits

            if i < len(self.additions):
                addition = self.additions[i]
                try:
                    if isinstance(addition, per.AdditionGroup):
                        decoded.update(addition.decode(decoder))
                    else:
                        decoded[addition.name] = addition.decode(decoder)
                except per.ErrorWithLocation as e:
                    e.add_location(addition)
                    raise e

            consumed = start - decoder.number_of_bits
            remaining = 8 * open_type_length - consumed
            if remaining < 0:
                raise per.DecodeError(
                    "extension addition {} overruns its open type ({} bits > {})".format(
                        i, consumed, 8 * open_type_length))
            decoder.skip_bits(remaining)

    return decoded


per.MembersType.decode_additions = _decode_additions_fixed


# asn1tools 0.169 defect on the encode side: an extension addition or extension
# alternative whose encoding is empty (NULL, e.g. fastConnectRefused, or the
# FacilityReason startH245) is written as an open type of length 0. X.691 §11.1.3
# and §11.2 make the open type contain the value's *complete* encoding, and an
# empty complete encoding is one zero octet: h323plus, Cisco and rasn all send
# 01 00. Both replacements below are the library's code with that one fix.
def _complete(addition_encoder):
    addition_encoder.align_always()
    if addition_encoder.number_of_bytes() == 0:
        addition_encoder.append_non_negative_binary_integer(0, 8)


def _members_encode_additions_fixed(self, data, encoder):
    presence_bits = 0
    addition_encoders = []
    number_of_precence_bits = 0

    try:
        for addition in self.additions:
            presence_bits <<= 1
            addition_encoder = encoder.__class__()
            number_of_precence_bits += 1

            if isinstance(addition, per.AdditionGroup):
                addition.encode_addition_group(data, addition_encoder)
            else:
                self.encode_member(addition, data, addition_encoder, encode_default=True)

            if addition_encoder.number_of_bits > 0 or addition.name in data:
                addition_encoders.append(addition_encoder)
                presence_bits |= 1
    except per.EncodeError:
        pass

    if not addition_encoders:
        return False

    number_of_additions = len(self.additions)
    presence_bits <<= (number_of_additions - number_of_precence_bits)
    encoder.append_normally_small_length(number_of_additions)
    encoder.append_non_negative_binary_integer(presence_bits, number_of_additions)
    encoder.align()

    for addition_encoder in addition_encoders:
        _complete(addition_encoder)
        encoder.append_length_determinant(addition_encoder.number_of_bytes())
        encoder += addition_encoder

    return True


def _choice_encode_additions_fixed(self, data, encoder):
    try:
        index = self.additions_name_to_index[data[0]]
    except KeyError:
        raise per.EncodeError(
            "Expected choice {}, but got '{}'.".format(self.format_names(), data[0]))

    addition_encoder = encoder.__class__()
    addition = self.additions_index_to_member[index]
    try:
        addition.encode(data[1], addition_encoder)
    except per.ErrorWithLocation as e:
        e.add_location(addition)
        raise e

    _complete(addition_encoder)
    encoder.append_normally_small_non_negative_whole_number(index)
    encoder.align()
    encoder.append_length_determinant(addition_encoder.number_of_bytes())
    encoder += addition_encoder


per.MembersType.encode_additions = _members_encode_additions_fixed
per.Choice.encode_additions = _choice_encode_additions_fixed


def _unwrap(t):
    while isinstance(t, per.Recursive):
        t = t._inner
    return t


def _members(t):
    """Maps each component name of a SEQUENCE/SET to its type, flattening
    extension addition groups (asn1tools merges their components into the
    parent dict)."""
    cache = getattr(t, "_oracle_members", None)
    if cache is not None:
        return cache
    out = {}
    for m in t.root_members:
        out[m.name] = m
    for m in t.additions or []:
        if isinstance(m, per.AdditionGroup):
            out.update(_members(m))
        else:
            out[m.name] = m
    t._oracle_members = out
    return out


def _choice_member(t, name):
    for index_map in (t.root_index_to_member, t.additions_index_to_member or {}):
        for m in index_map.values():
            if m.name == name:
                return m
    raise ValueError("CHOICE {} has no alternative {!r}".format(t.name, name))


def to_json(t, v):
    t = _unwrap(t)
    if isinstance(t, (per.OctetString, per.OpenType)):
        return binascii.hexlify(bytes(v)).decode()
    if isinstance(t, per.BitString):
        data, bits = v
        return {"hex": binascii.hexlify(bytes(data)).decode(), "bits": bits}
    if isinstance(t, per.Choice):
        name, inner = v
        if name is None:
            return {"choice": None, "value": None}
        return {"choice": name, "value": to_json(_choice_member(t, name), inner)}
    if isinstance(t, per.MembersType):
        members = _members(t)
        return {k: to_json(members[k], x) for k, x in v.items()}
    if isinstance(t, per.ArrayType):
        return [to_json(t.element_type, x) for x in v]
    return v


def from_json(t, v):
    t = _unwrap(t)
    if isinstance(t, (per.OctetString, per.OpenType)):
        return binascii.unhexlify(v)
    if isinstance(t, per.BitString):
        return (binascii.unhexlify(v["hex"]), v["bits"])
    if isinstance(t, per.Choice):
        name = v["choice"]
        return (name, from_json(_choice_member(t, name), v["value"]))
    if isinstance(t, per.MembersType):
        members = _members(t)
        out = {}
        for k, x in v.items():
            if k not in members:
                raise ValueError("{} has no component {!r}".format(t.name, k))
            out[k] = from_json(members[k], x)
        return out
    if isinstance(t, per.ArrayType):
        return [from_json(t.element_type, x) for x in v]
    return v


def compile_schema(patches):
    files = sorted(glob.glob(os.path.join(ASN1_DIR, "*.asn")))
    if not files:
        raise RuntimeError("no ASN.1 modules in " + ASN1_DIR)
    texts = []
    used = set()
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for i, p in enumerate(patches):
            if p["file"] == os.path.basename(path):
                if p["find"] not in text:
                    raise ValueError("patch {}: text not found in {}".format(i, p["file"]))
                text = text.replace(p["find"], p["replace"], 1)
                used.add(i)
        texts.append(text)
    unused = set(range(len(patches))) - used
    if unused:
        raise ValueError("patches {} name no module file".format(sorted(unused)))
    return asn1tools.compile_string("\n".join(texts), "per")


def lookup(spec, req):
    name = req["type"]
    modules = [req["module"]] if "module" in req else MODULE_ORDER
    for m in modules:
        types = spec.modules.get(m, {})
        if name in types:
            return types[name]
    raise KeyError("unknown ASN.1 type {!r}".format(name))


def handle(schemas, req):
    op = req.get("op")
    if op == "compile":
        schemas[req["schema"]] = compile_schema(req.get("patches", []))
        return {"ok": True}
    spec = schemas[req.get("schema", "default")]
    ct = lookup(spec, req)
    if op == "decode":
        data = binascii.unhexlify(req["hex"])
        value = ct.decode(data)
        out = {"ok": True, "value": to_json(ct._type, value)}
        try:
            out["reencoded"] = binascii.hexlify(ct.encode(value)).decode()
        except Exception as e:  # a value with an unknown alternative cannot be re-encoded
            out["reencoded"] = None
            out["reencode_error"] = "{}: {}".format(type(e).__name__, e)
        return out
    if op == "encode":
        value = from_json(ct._type, req["value"])
        return {"ok": True, "hex": binascii.hexlify(ct.encode(value)).decode()}
    raise ValueError("unknown op {!r}".format(op))


def main():
    schemas = {"default": compile_schema([])}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            resp = handle(schemas, json.loads(line))
        except Exception as e:  # every failure is an answer, never a dead oracle
            resp = {"ok": False, "error": "{}: {}".format(type(e).__name__, e)}
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
