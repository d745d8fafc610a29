package dev.ember.cluster.internal;

/** One engine in the cluster: a function on a member (replica). */
public record EngineId(String member, String function) {
  @Override
  public String toString() {
    return member + "/" + function;
  }
}
