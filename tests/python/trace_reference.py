"""A straightforward reference model of a single core with a private L1I and L1D (MESI, LRU,
write-back, write-allocate) on a snooping bus above one unified LRU last level, for checking
trace replay.

It follows the protocol of models/cache/cache.cpp and models/interconnect/snoop_bus.cpp as
documented there, written independently:
- an L1 hit is a load on S/E/M or a store on E/M; a store to an S line is a miss (an upgrade);
- a miss snoops the other L1 first: a copy there in M, or in E when the last level does not hold
  the line (non-inclusive), is supplied cache-to-cache (the last level is not looked up); a clean
  copy the last level holds comes from the last level; a dirty copy supplied for a read is
  written back into the last level;
  a read leaves the other copy in S, a write (or upgrade) invalidates it;
- otherwise the last level is looked up (hit: made most recently used; miss: filled, evicting its
  LRU line, which an inclusive last level also invalidates in both L1s);
- the requester then fills the line, evicting its own LRU line first if the set is full; a
  dirty victim is written back into the last level, which makes it most recently used there
  (or, non-inclusive, allocates it);
- fills from the last level are exclusive (one socket) unless the other L1 keeps a copy.
"""

from collections import OrderedDict

LINE_BITS = 6
S, E, M = "S", "E", "M"


class Level:
    """Set-associative LRU tags: per set an OrderedDict line -> MESI state, LRU first."""

    def __init__(self, size, ways, line_bytes=1 << LINE_BITS):
        self.nsets = size // (ways * line_bytes)
        self.ways = ways
        self.sets = [OrderedDict() for _ in range(self.nsets)]
        self.accesses = self.misses = 0

    def lookup(self, line):
        return self.sets[line & (self.nsets - 1)].get(line)

    def touch(self, line, state):
        s = self.sets[line & (self.nsets - 1)]
        s[line] = state
        s.move_to_end(line)

    def set_state(self, line, state):
        self.sets[line & (self.nsets - 1)][line] = state

    def drop(self, line):
        return self.sets[line & (self.nsets - 1)].pop(line, None)

    def victim_if_full(self, line):
        """The LRU line of line's set if the set is full (removed), else None."""
        s = self.sets[line & (self.nsets - 1)]
        if len(s) < self.ways:
            return None
        victim, state = s.popitem(last=False)
        return victim, state


class Machine:
    def __init__(self, l1i, l1d, llc, inclusive=True):
        self.l1i = Level(*l1i)
        self.l1d = Level(*l1d)
        self.llc = Level(*llc)
        self.inclusive = inclusive
        self.c2c = self.back_invalidations = self.llc_writebacks_in = 0

    # -- last level --
    def llc_allocate(self, line):
        v = self.llc.victim_if_full(line)
        if v is not None and self.inclusive:
            hit = False
            for upper in (self.l1i, self.l1d):
                hit |= upper.drop(v[0]) is not None
            self.back_invalidations += hit

    def llc_request(self, line, write):
        self.llc.accesses += 1
        if self.llc.lookup(line) is not None:  # always E or M: one socket
            self.llc.touch(line, M if write else self.llc.lookup(line))
            return
        self.llc.misses += 1
        self.llc_allocate(line)
        self.llc.touch(line, M if write else E)

    def llc_writeback_in(self, line):
        self.llc_writebacks_in += 1
        if self.llc.lookup(line) is None:
            self.llc_allocate(line)
        self.llc.touch(line, M)

    # -- L1s --
    def access(self, cache, other, line, store):
        cache.accesses += 1
        st = cache.lookup(line)
        if st is not None and (not store or st in (E, M)):
            cache.touch(line, M if store else st)
            return
        cache.misses += 1
        upgrade = st == S  # a store to a shared line
        ost = other.lookup(line)
        supplied = dirty = False
        if ost is not None:
            # M supplies; E only when the last level lacks the line
            supplies = ost == M or (ost == E and self.llc.lookup(line) is None)
            if not store:  # read snoop: the copy goes to S
                supplied, dirty = supplies, ost == M
                other.set_state(line, S)
            else:  # read-exclusive or invalidate (upgrade): the copy goes
                supplied = supplies and not upgrade
                other.drop(line)
        if supplied:
            self.c2c += 1
            exclusive = store
            if not store and dirty:
                self.llc_writeback_in(line)
        else:
            self.llc_request(line, store)
            exclusive = store or ost is None
        if st is None:
            v = cache.victim_if_full(line)
            if v is not None and v[1] == M:
                self.llc_writeback_in(v[0])
        cache.touch(line, M if store else (E if exclusive else S))


def replay_lackey(path, machine):
    """Feed a lackey trace to the reference, one access per line touched; returns the number of
    records."""
    records = 0
    with open(path, encoding="ascii") as f:
        for text in f:
            if text.startswith("==") or not text.strip():
                continue
            kind, rest = text.split()
            addr_hex, size = rest.split(",")
            addr, size = int(addr_hex, 16), int(size)
            first, last = addr >> LINE_BITS, (addr + max(size, 1) - 1) >> LINE_BITS
            records += 1
            if kind == "I":
                for line in range(first, last + 1):
                    machine.access(machine.l1i, machine.l1d, line, False)
                continue
            for store in {"L": (False,), "S": (True,), "M": (False, True)}[kind]:
                for line in range(first, last + 1):
                    machine.access(machine.l1d, machine.l1i, line, store)
    return records
