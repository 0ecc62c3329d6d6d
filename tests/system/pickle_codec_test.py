"""The safe pickle subset against Python's own pickle module: Python writes
every case with protocols 2 to 5, our decoder reads it, our encoder writes
it back and Python's pickle.loads reads that. Errors come back as the
pickled builtins exception a socket client gets.
Usage: pickle_codec_test.py PICKLE_FILTER_BINARY"""
import math
import pickle
import struct
import subprocess
import sys
import unittest

FILTER = None
PROTOCOLS = (2, 3, 4, 5)


class Filter:
    """The pickle_filter program: framed pickles in, framed pickles out."""

    def __init__(self, *limits):
        self.proc = subprocess.Popen([FILTER, *map(str, limits)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)

    def round_trip(self, data):
        self.proc.stdin.write(struct.pack("!I", len(data)) + data)
        self.proc.stdin.flush()
        (n,) = struct.unpack("!I", self.proc.stdout.read(4))
        return self.proc.stdout.read(n)

    def value(self, data):
        """What a Python client makes of our answer to `data`."""
        return pickle.loads(self.round_trip(data))


def big_nested(depth):
    v = []
    for _ in range(depth - 1):
        v = [v]
    return v


class FilterTest(unittest.TestCase):
    """Tests against one pickle_filter, started with LIMITS."""
    LIMITS = ()

    @classmethod
    def setUpClass(cls):
        cls.codec = Filter(*cls.LIMITS)

    @classmethod
    def tearDownClass(cls):
        cls.codec.close()


class CodecTest(FilterTest):
    def same_after(self, value, expected, protocols=PROTOCOLS):
        for p in protocols:
            with self.subTest(value=repr(value)[:60], protocol=p):
                got = self.codec.value(pickle.dumps(value, protocol=p))
                self.assertEqual(type(got), type(expected))
                self.assertEqual(got, expected)

    def refused(self, data, *fragments):
        got = self.codec.value(data)
        self.assertIsInstance(got, RuntimeError, got)
        text = str(got)
        self.assertTrue(text.startswith("BadRequest: pickle: "), text)
        for fragment in fragments:
            self.assertIn(fragment, text)
        return text

    def test_scalars_keep_their_type_and_value(self):
        for v in (None, True, False, 0.0, 1.5, -0.0, 1e300, float("inf"), "", "é ü 😀",
                  "x" * 300, "y" * 70000):
            self.same_after(v, v)
        self.assertTrue(math.copysign(1, self.codec.value(pickle.dumps(-0.0))) < 0)
        self.assertTrue(math.isnan(self.codec.value(pickle.dumps(float("nan")))))

    def test_ints_of_64_bits_stay_exact(self):
        for v in (0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**31, -2**31 - 1,
                  2**63 - 1, -2**63, 2**63, 2**64 - 1):
            self.same_after(v, v)

    def test_ints_beyond_64_bits_become_the_nearest_float(self):
        for v in (2**64, -2**63 - 1, 2**70 + 1, -(2**100) + 12345, 2**1023 * 3 // 2,
                  2**1024 - 2**971):
            self.same_after(v, float(v))
        # Ties round to even, as Python's float(int) does.
        for v in (2**64 + 2**11, 2**64 + 3 * 2**11, 2**64 + 2**11 + 1):
            self.same_after(v, float(v))

    def test_an_int_beyond_a_float_is_refused(self):
        for v in (2**1024, -(2**1024), 2**1024 - 2**970, 10**400):
            for p in PROTOCOLS:
                self.refused(pickle.dumps(v, protocol=p), "beyond the range of a float")

    def test_bytes_and_bytearray_become_bytes(self):
        for v in (b"", b"abc", bytes(range(256)), b"z" * 300, b"\x00" * 70000):
            self.same_after(v, v)
            self.same_after(bytearray(v), v)

    def test_tuples_and_lists_become_lists(self):
        for v in ([], (), (1,), (1, "two"), (1, 2, 3), (1, 2, 3, 4), [1, [2, [3, (4,)]]],
                  list(range(2500))):
            self.same_after(v, _as_lists(v))

    def test_sets_become_lists_in_their_iteration_order(self):
        for v in (set(), {1, 2, 3}, {"a", "b"}, frozenset(), frozenset({3, 4}),
                  set(range(2500)), [frozenset({1})]):
            self.same_after(v, _as_lists(v))

    def test_dicts_keep_str_keys_and_write_other_scalars_as_pythons_json_does(self):
        self.same_after({}, {})
        self.same_after({"a": 1, "b": [1, (2,)]}, {"a": 1, "b": [1, [2]]})
        self.same_after({1: "a", -5: "b", None: "c", False: "d", 2**64 - 1: "e"},
                        {"1": "a", "-5": "b", "null": "c", "false": "d",
                         str(2**64 - 1): "e"})
        many = {f"k{i}": i for i in range(2500)}
        self.same_after(many, many)

    def test_keys_without_a_str_form_are_refused(self):
        for key, what in ((1.5, "a float"), ((1, 2), "a tuple"), (b"k", "bytes"),
                          (2**70, "an int beyond 64 bits"), (frozenset(), "a frozenset")):
            for p in PROTOCOLS:
                self.refused(pickle.dumps({key: 1}, protocol=p), "a dict key is",
                             "got " + what)

    def test_keys_that_meet_as_one_str_are_refused(self):
        for p in PROTOCOLS:
            self.refused(pickle.dumps({1: "a", "1": "b"}, protocol=p),
                         'two keys of a dict are the same str key "1"')

    def test_shared_values_are_copied(self):
        s = "shared" * 10
        inner = [1, {"k": s}]
        self.same_after([s, s, inner, inner, (inner,)],
                        [s, s, [1, {"k": s}], [1, {"k": s}], [[1, {"k": s}]]])

    def test_a_structure_that_contains_itself_is_refused(self):
        a = []
        a.append(a)
        d = {}
        d["self"] = d
        b = [1]
        t = (b,)
        b.append(t)  # a list within a tuple within the list
        for v in (a, d, b):
            for p in PROTOCOLS:
                self.refused(pickle.dumps(v, protocol=p))

    def test_the_request_shape_of_the_original_client(self):
        self.same_after(("/double", {"x": 8}), ["/double", {"x": 8}])
        self.same_after(("/info", None), ["/info", None])

    def test_objects_are_refused_naming_the_opcode(self):
        import collections
        import datetime
        import fractions
        for v, fragment in ((collections.OrderedDict(a=1), "collections.OrderedDict"),
                            (datetime.date(2026, 1, 1), "datetime.date"),
                            (fractions.Fraction(1, 3), "fractions.Fraction"),
                            (complex(1, 2), "complex"),
                            (range(3), "range"),
                            (ValueError("x"), "ValueError")):
            for p in PROTOCOLS:
                opcode = "GLOBAL" if p < 4 else "STACK_GLOBAL"
                text = self.refused(pickle.dumps(v, protocol=p), f"the opcode {opcode} names",
                                    fragment, "never imports, calls or builds an object")
                self.assertNotIn("\n", text)

    def test_the_classic_exploit_is_refused_before_anything_runs(self):
        self.refused(b"cos\nsystem\n(S'touch /tmp/pwned'\ntR.",
                     "the opcode GLOBAL names os.system", "(at byte 0)")
        self.refused(b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x04true\x85R.",
                     "the opcode STACK_GLOBAL names os.system")
        # Only exact names are recognized.
        self.refused(b"\x80\x02c__builtin__\nsetattr\n.", "names __builtin__.setattr")
        self.refused(b"\x80\x02c_codecs\ndecode\n.", "names _codecs.decode")

    def test_each_opcode_that_builds_an_object_is_refused_by_name(self):
        cases = {
            b"b": "BUILD", b"i": "INST", b"o": "OBJ", b"\x81": "NEWOBJ",
            b"\x92": "NEWOBJ_EX", b"\x82\x01": "EXT1", b"\x83\x01\x00": "EXT2",
            b"\x84\x01\x00\x00\x00": "EXT4", b"P1\n": "PERSID", b"Q": "BINPERSID",
            b"\x97": "NEXT_BUFFER", b"\x98": "READONLY_BUFFER",
        }
        for code, name in cases.items():
            self.refused(b"\x80\x05N" + code + b".", f"the opcode {name} is refused",
                         "(at byte 3)")
        # A pickle with out-of-band buffers (protocol 5) is refused.
        data = pickle.dumps(pickle.PickleBuffer(b"abc"), protocol=5,
                            buffer_callback=lambda b: False)
        self.refused(data, "NEXT_BUFFER")

    def test_reduce_on_a_value_or_with_other_arguments_is_refused(self):
        self.refused(b"\x80\x02N)R.", "REDUCE calls a scalar")
        self.refused(b"\x80\x02c__builtin__\nset\nK\x01\x85R.", "REDUCE of set")
        self.refused(b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf_8"
                     b"\x86R.", "REDUCE of _codecs.encode")

    def test_protocol_0_text_opcodes_are_not_read(self):
        for v in (1, "a", [1]):
            self.refused(pickle.dumps(v, protocol=0), "is not read")
        self.refused(b"\x80\x01N.", "protocol 1 is not read")
        self.refused(b"\x80\x06N.", "protocol 6 is not read")

    def test_malformed_input_gets_a_clear_error(self):
        good = pickle.dumps(("/double", "abc"), protocol=4)
        self.refused(b"", "the pickle is empty")
        unframed = pickle.dumps(("/double", "abc"), protocol=2)
        self.refused(unframed[:-1], "ends before its STOP opcode")
        self.refused(unframed[:-8], "BINUNICODE needs 3 bytes, but the pickle ends after 1")
        self.refused(good[:-1], "FRAME needs 19 bytes, but the pickle ends after 18")
        self.refused(good + b"N", "1 byte follows the STOP opcode")
        self.refused(good + b"NN", "2 bytes follow the STOP opcode")
        self.refused(b"\x80\x04\x00.", "byte 0x00 is no pickle opcode")
        self.refused(b"\x80\x04\x8c\x01\xff.", "not valid UTF-8")
        self.refused(b"\x80\x04.", "needs a value on the stack")
        self.refused(b"\x80\x04a.", "needs a value on the stack")
        self.refused(b"\x80\x04Ne.", "needs a MARK")
        self.refused(b"\x80\x04h\x05.", "reads memo entry 5, which was never stored")
        self.refused(b"\x80\x04(K\x01u.", "pairs")
        self.refused(b"\x80\x04NK\x01a.", "adds to a list, not to a scalar")
        self.refused(b"\x80\x040.", "POP needs a value or a MARK on the stack")
        self.refused(b"\x80\x04\x8c\x08builtins\x8c\x03set\x93.",
                     "the pickle's value is the name builtins.set, which only REDUCE may take")
        self.refused(b"\x80\x04(\x8c\x08builtins\x8c\x03set\x93l.",
                     "LIST takes values, not the name builtins.set")
        # A key with no str form is refused where it is, not at the end.
        self.refused(b"\x80\x04}G?\xf0\x00\x00\x00\x00\x00\x00K\x01s]0.",
                     "got a float (at byte 14)")  # the SETITEM

    def test_declared_lengths_are_checked_against_the_input(self):
        for op, width in ((b"\x8d", 8), (b"\x8e", 8), (b"\x96", 8), (b"X", 4), (b"B", 4),
                          (b"\x8b", 4)):
            n = 2**62 if width == 8 else 2**31 - 1
            data = b"\x80\x04" + op + n.to_bytes(width, "little") + b"xy."
            self.refused(data, f"needs {n} bytes, but the pickle ends after 3")
        self.refused(b"\x80\x04\x95" + (2**63).to_bytes(8, "little") + b"N.", "needs")
        self.refused(b"\x80\x04\x8b\xff\xff\xff\xff.", "negative length")

    def test_a_placed_container_is_not_built_further(self):
        # EMPTY_LIST MEMOIZE TUPLE1, then the list again from the memo, APPEND
        data = b"\x80\x04]\x94\x85h\x00K\x01a."
        self.refused(data, "already placed in another container")

    def test_sparse_memo_indexes_are_not_allocated(self):
        # LONG_BINPUT at index 2^32 - 1, then LONG_BINGET of it.
        self.assertEqual(self.codec.value(b"\x80\x04K\x07r\xff\xff\xff\xff0j\xff\xff\xff\xff."),
                         7)

    def test_depth_at_and_past_the_default_limit_of_128(self):
        for p in PROTOCOLS:
            self.assertEqual(self.codec.value(pickle.dumps(big_nested(128), protocol=p)),
                             big_nested(128))
            self.refused(pickle.dumps(big_nested(129), protocol=p),
                         "deeper than 128 levels")
        # Tuples in tuples, 100,000 deep: refused at the 129th, and nothing
        # recurses that deep.
        self.refused(b"\x80\x04)" + b"\x85" * 100000 + b".", "deeper than 128 levels",
                     "(at byte 130)")

    def test_python_reads_what_we_write_for_errors(self):
        for v in (None, [1, "two", b"3"], {"k": {"n": [1.5]}}):
            self.assertEqual(self.codec.value(pickle.dumps(v)), _as_lists(v))


# What the size limit counts (docs/protocol.md, "Limits of a pickle"): each
# value, memo entry and mark 24, each list, tuple, dict and set 96, each str
# and bytes 48 more and its length (a long one is held as a container), and
# what the memo or DUP repeats again.
VALUE, CONTAINER, TEXT = 24, 96, 48


class LimitTest(FilterTest):
    """pickle_filter with max_depth 4 and max_size 1000."""
    LIMITS = (4, 1000)

    def test_depth_at_and_past_the_edge(self):
        self.assertEqual(self.codec.value(pickle.dumps([[[[1]]]])), [[[[1]]]])
        got = self.codec.value(pickle.dumps([[[[[1]]]]]))
        self.assertIn("deeper than 4 levels", str(got))

    def test_size_at_and_past_the_edge(self):
        # A str of 256 bytes or more is held once, 96 + 48 and its length,
        # and the memo shares it: 96 + 48 + 832 + 24.
        for p in PROTOCOLS:
            self.assertEqual(self.codec.value(pickle.dumps("x" * 832, protocol=p)), "x" * 832)
            got = self.codec.value(pickle.dumps("x" * 833, protocol=p))
            self.assertIsInstance(got, RuntimeError)
            self.assertIn("would take more than 1000 bytes", str(got))
            got = self.codec.value(pickle.dumps(b"x" * 833, protocol=p))
            self.assertIn("would take more than 1000 bytes", str(got))

    def test_memo_references_cannot_multiply_a_value_past_the_limit(self):
        # The list and its memo entry, a mark, a short str and its memo
        # entry (a copy), and each reference: 96 + 24 + 24 + 4 * (24 + 48 + L).
        s = "y" * 142
        self.assertEqual(self.codec.value(pickle.dumps([s, s, s])), [s, s, s])  # 1000
        s = "y" * 143
        got = self.codec.value(pickle.dumps([s, s, s]))  # 1004
        self.assertIn("would take more than 1000 bytes", str(got))
        self.assertIn("what the memo or DUP repeats counts again", str(got))
        # A long str referenced twice: the list and its memo entry, a mark,
        # the str, its memo entry, the reference:
        # 96 + 24 + 24 + 2 * (96 + 48 + L) + 24.
        s = "z" * 272
        self.assertEqual(self.codec.value(pickle.dumps([s, s])), [s, s])  # 1000
        s = "z" * 273
        self.assertIn("would take more than 1000 bytes", str(self.codec.value(pickle.dumps([s, s]))))


def doubling_tree(levels):
    """A list of two references to a list of two references to ... None: a
    few bytes per level, twice the value per level."""
    return (b"\x80\x04N" + b"q\x000(h\x00h\x00l" * levels + b".")


class ExpansionTest(FilterTest):
    """The default limits: a pickle may take at most 96 times its length
    plus 64 KiB, so a small one cannot make a large value."""

    @staticmethod
    def dup_pickle(length, copies):
        """A list of a str of `length` bytes and `copies` DUPs of it, and
        what it takes: the list, a mark, the str and each copy."""
        data = (b"\x80\x04](X" + struct.pack("<I", length) + b"s" * length
                + b"2" * copies + b"e.")
        held = CONTAINER if length >= 256 else VALUE  # a long str is held once
        return data, CONTAINER + VALUE + (copies + 1) * (held + TEXT + length)

    def test_the_budget_at_and_past_the_edge(self):
        # Find a pickle that takes exactly its budget: for a number of
        # copies, what it takes past its budget is linear in the length.
        def over(length, copies):
            data, taken = self.dup_pickle(length, copies)
            return taken - (96 * len(data) + 65536)
        edge = None
        for copies in range(1, 20000):  # long strs: linear from 256 bytes on
            f0, slope = over(256, copies), over(257, copies) - over(256, copies)
            if slope and -f0 % slope == 0 and -f0 // slope >= 0:
                edge = (256 - f0 // slope, copies)
                break
        self.assertIsNotNone(edge)
        self.assertEqual(over(*edge), 0)
        length, copies = edge
        data, _ = self.dup_pickle(length, copies)
        self.assertEqual(self.codec.value(data), ["s" * length] * (copies + 1))
        data, taken = self.dup_pickle(length, copies + 1)
        budget = 96 * len(data) + 65536
        self.assertGreater(taken, budget)
        got = self.codec.value(data)
        self.assertIsInstance(got, RuntimeError)
        self.assertIn(f"would take more than {budget} bytes, the limit for a pickle of "
                      f"{len(data)} bytes (96 times its length plus 65536", str(got))

    def test_a_doubling_tree_is_refused_while_it_is_read(self):
        # 25 levels: 33 million values from 256 bytes. Refused at the level
        # that passes the budget, in no time and no memory.
        data = doubling_tree(25)
        got = self.codec.value(data)
        self.assertIsInstance(got, RuntimeError)
        self.assertIn(f"would take more than {96 * len(data) + 65536} bytes", str(got))
        # A few levels are a value like any other.
        v = None
        for _ in range(6):
            v = [v, v]
        self.assertEqual(self.codec.value(doubling_tree(6)), v)

    def test_a_copy_taken_before_a_list_is_filled_counts_what_it_holds(self):
        # Each level: an empty list, DUPed twice, filled through one copy:
        # the other copies, placed later, hold everything it holds.
        d = 22
        data = b"\x80\x04(" + b"]22(" * d + b"N" + b"e0" * d + b"l."
        got = self.codec.value(data)
        self.assertIsInstance(got, RuntimeError)
        self.assertIn(f"would take more than {96 * len(data) + 65536} bytes", str(got))
        # The same through the memo.
        data = (b"\x80\x04(" + b"".join(b"]q%ch%ch%c(" % (i, i, i) for i in range(21))
                + b"N" + b"e0" * 21 + b"l.")
        self.assertIn("would take more than", str(self.codec.value(data)))

    def test_a_pickle_that_repeats_nothing_always_fits(self):
        # One opcode byte per value: empty lists, Nones and marks.
        for data in (b"\x80\x04](" + b"]" * 100000 + b"e.",
                     b"\x80\x04](" + b"N" * 100000 + b"e.",
                     b"\x80\x04" + b")\x85" * 100 + b"."):
            got = self.codec.value(data)
            self.assertNotIsInstance(got, Exception, data[:12])


def _as_lists(v):
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_as_lists(x) for x in v]
    if isinstance(v, dict):
        return {k: _as_lists(x) for k, x in v.items()}
    if isinstance(v, bytearray):
        return bytes(v)
    return v


if __name__ == "__main__":
    FILTER = sys.argv.pop(1)
    unittest.main()
