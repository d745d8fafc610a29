package dev.ember.device;

import java.util.BitSet;

/**
 * An immutable set of CPU ids in the kernel's list syntax ({@code 0-3,8,10-11}), as sysfs and
 * {@code /proc/<pid>/status} print them and as device specs ({@code cpu:0-7}) take them.
 *
 * <pre>{@code CpuSet.parse("0-3,8").size() == 5}</pre>
 */
public final class CpuSet {
  /** Highest CPU id accepted, far above any machine's, so a typo cannot allocate a huge bit set. */
  public static final int MAX_CPU = 65_535;

  private final BitSet bits;

  private CpuSet(BitSet bits) {
    this.bits = bits;
  }

  public static CpuSet of(BitSet bits) {
    return new CpuSet((BitSet) bits.clone());
  }

  public static CpuSet of(int... cpus) {
    BitSet b = new BitSet();
    for (int c : cpus) {
      b.set(check(c));
    }
    return new CpuSet(b);
  }

  /** Parses {@code 0-3,8}; an empty or blank text is the empty set. */
  public static CpuSet parse(String list) {
    BitSet b = new BitSet();
    String text = list.strip();
    if (text.isEmpty()) {
      return new CpuSet(b);
    }
    for (String part : text.split(",", -1)) {
      String p = part.strip();
      int dash = p.indexOf('-');
      try {
        if (dash < 0) {
          b.set(check(Integer.parseInt(p)));
        } else {
          int lo = check(Integer.parseInt(p.substring(0, dash)));
          int hi = check(Integer.parseInt(p.substring(dash + 1)));
          if (hi < lo) {
            throw new IllegalArgumentException("CPU range '" + p + "' ends before it starts");
          }
          b.set(lo, hi + 1);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + list + "' is not a CPU list such as 0-3,8", e);
      }
    }
    return new CpuSet(b);
  }

  private static int check(int cpu) {
    if (cpu < 0 || cpu > MAX_CPU) {
      throw new IllegalArgumentException("CPU id " + cpu + " is outside 0.." + MAX_CPU);
    }
    return cpu;
  }

  public int size() {
    return bits.cardinality();
  }

  public boolean isEmpty() {
    return bits.isEmpty();
  }

  public boolean contains(int cpu) {
    return cpu >= 0 && bits.get(cpu);
  }

  public boolean containsAll(CpuSet other) {
    BitSet rest = (BitSet) other.bits.clone();
    rest.andNot(bits);
    return rest.isEmpty();
  }

  public boolean intersects(CpuSet other) {
    return bits.intersects(other.bits);
  }

  public CpuSet and(CpuSet other) {
    BitSet b = (BitSet) bits.clone();
    b.and(other.bits);
    return new CpuSet(b);
  }

  public CpuSet andNot(CpuSet other) {
    BitSet b = (BitSet) bits.clone();
    b.andNot(other.bits);
    return new CpuSet(b);
  }

  /** The ids in ascending order. */
  public int[] toArray() {
    return bits.stream().toArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CpuSet c && c.bits.equals(bits);
  }

  @Override
  public int hashCode() {
    return bits.hashCode();
  }

  /** The kernel's list syntax, ranges collapsed: {@code 0-3,8}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    int i = bits.nextSetBit(0);
    while (i >= 0) {
      int end = bits.nextClearBit(i) - 1;
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      sb.append(i);
      if (end > i) {
        sb.append('-').append(end);
      }
      i = bits.nextSetBit(end + 1);
    }
    return sb.toString();
  }
}
