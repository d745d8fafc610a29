package dev.ember.cluster.internal;

import java.util.Objects;

/**
 * One engine in the cluster: a function on a member (replica). Its hash is computed once, because a
 * routing decision looks up every candidate engine in the map of the engines holding the prompt's start.
 *
 * <pre>{@code EngineId id = new EngineId("10.0.0.3:5701", "demo"); id.member(); id.function(); }</pre>
 */
public final class EngineId {
  private final String member;
  private final String function;
  private final int hash;

  public EngineId(String member, String function) {
    this.member = Objects.requireNonNull(member, "member");
    this.function = Objects.requireNonNull(function, "function");
    this.hash = 31 * member.hashCode() + function.hashCode();
  }

  public String member() {
    return member;
  }

  public String function() {
    return function;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof EngineId other && hash == other.hash && member.equals(other.member)
        && function.equals(other.function);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return member + "/" + function;
  }
}
