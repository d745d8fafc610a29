package dev.ember.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.ember.function.FunctionState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The cluster's replica directory: one entry per member and function (state, load, KV block identity,
 * forwarding address) in a Hazelcast map, mirrored into local memory by an entry listener so routing
 * reads it without a network hop. Entries of members that are not (or no longer) in the cluster are
 * never returned; when Hazelcast removes a member (failure detection), its entries are deleted and
 * the member's listeners run.
 *
 * <pre>{@code directory.entries("demo").forEach(e -> ...); directory.publish(entry); }</pre>
 */
public final class ReplicaDirectory {
  private static final Logger LOG = Logger.getLogger(ReplicaDirectory.class.getName());
  /** Name of the Hazelcast map. */
  public static final String MAP = "ember.replicas";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final String self;
  private final Map<String, Mirrored> mirror = new ConcurrentHashMap<>();
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  private final List<Consumer<String>> memberLeft = new CopyOnWriteArrayList<>();
  private final Map<String, String> published = new ConcurrentHashMap<>();

  /** An entry and the routing candidate it makes, built once per directory update rather than per request. */
  private record Mirrored(ReplicaEntry entry, Candidate candidate) {
    Mirrored(ReplicaEntry e) {
      this(e, new Candidate(e.engine(), e.replica(), false, e.state(), e.queuedBlocks(), 0, e.forward(),
          e.recentRequests()));
    }
  }

  private ReplicaDirectory(Vertx vertx, HazelcastInstance hz) {
    this.vertx = vertx;
    this.map = hz.getMap(MAP);
    this.self = hz.getCluster().getLocalMember().getUuid().toString();
  }

  /** Joins the directory: listens for membership and entry changes, then loads the current entries (off the event loop). */
  public static Future<ReplicaDirectory> open(Vertx vertx, HazelcastInstance hz) {
    ReplicaDirectory d = new ReplicaDirectory(vertx, hz);
    return vertx.executeBlocking(() -> {
      hz.getCluster().addMembershipListener(d.new Membership());
      for (Member m : hz.getCluster().getMembers()) {
        d.members.add(m.getUuid().toString());
      }
      d.map.addEntryListener(d.new Mirror(), true);
      for (Map.Entry<String, String> e : d.map.entrySet()) {
        d.mirror.put(e.getKey(), new Mirrored(ReplicaEntry.fromJson(e.getValue())));
      }
      return d;
    }, false);
  }

  /** This member's id. */
  public String self() {
    return self;
  }

  /** Runs when a member leaves (on a Hazelcast thread), with its id. */
  public void onMemberLeft(Consumer<String> listener) {
    memberLeft.add(listener);
  }

  public boolean live(String member) {
    return members.contains(member);
  }

  /** Members in the cluster now, this one included. */
  public Set<String> members() {
    return Set.copyOf(members);
  }

  /** Live entries of every function. */
  public List<ReplicaEntry> entries() {
    List<ReplicaEntry> out = new ArrayList<>();
    for (Mirrored m : mirror.values()) {
      if (members.contains(m.entry().member())) {
        out.add(m.entry());
      }
    }
    return out;
  }

  /** Live entries of one function, this replica's own included. */
  public List<ReplicaEntry> entries(String function) {
    List<ReplicaEntry> out = new ArrayList<>();
    for (Mirrored m : mirror.values()) {
      ReplicaEntry e = m.entry();
      if (e.function().equals(function) && members.contains(e.member())) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * The live peers' engines of one function that can take a request now or after warming, as routing
   * candidates (overlap not yet read): made when their entries arrived, so a decision allocates none.
   */
  public List<Candidate> peerCandidates(String function) {
    List<Candidate> out = new ArrayList<>();
    for (Mirrored m : mirror.values()) {
      ReplicaEntry e = m.entry();
      if (e.function().equals(function) && e.forward() != null && takesRequests(e.state())
          && !e.member().equals(self) && members.contains(e.member())) {
        out.add(m.candidate());
      }
    }
    return out;
  }

  /** COLD, WARMING and WARM engines take requests (a COLD one is woken); DRAINING and FAILED ones do not. */
  static boolean takesRequests(FunctionState s) {
    return s == FunctionState.WARM || s == FunctionState.WARMING || s == FunctionState.COLD;
  }

  /** Writes this replica's entry when it changed (asynchronously; never blocks). */
  public void publish(ReplicaEntry entry) {
    String json = entry.toJson().encode();
    if (json.equals(published.put(entry.key(), json))) {
      return;
    }
    mirror.put(entry.key(), new Mirrored(entry));
    map.setAsync(entry.key(), json);
  }

  /** True when this replica has an entry under the key (published and not withdrawn). */
  public boolean published(String key) {
    return published.containsKey(key);
  }

  /** Removes this replica's entries of functions it no longer has. */
  public void retainOwn(Collection<String> functions) {
    for (String key : List.copyOf(published.keySet())) {
      String function = key.substring(self.length() + 1);
      if (!functions.contains(function)) {
        published.remove(key);
        mirror.remove(key);
        map.removeAsync(key);
      }
    }
  }

  /** Removes all of this replica's entries (leaving the cluster); completes when done. */
  public Future<Void> withdraw() {
    List<String> keys = List.copyOf(published.keySet());
    published.clear();
    return vertx.executeBlocking(() -> {
      for (String k : keys) {
        map.delete(k);
      }
      return null;
    }, false);
  }

  private void forget(String member) {
    String prefix = member + "/";
    for (String key : List.copyOf(mirror.keySet())) {
      if (key.startsWith(prefix)) {
        mirror.remove(key);
        // Every survivor deletes: the first one to get there wins, the others find nothing.
        map.removeAsync(key);
      }
    }
  }

  private final class Membership implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      members.add(event.getMember().getUuid().toString());
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      String id = event.getMember().getUuid().toString();
      members.remove(id);
      LOG.info(() -> "cluster member left: " + id + " at " + event.getMember().getAddress());
      forget(id);
      memberLeft.forEach(l -> l.accept(id));
    }
  }

  private final class Mirror implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String>, EntryEvictedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      mirror.put(e.getKey(), new Mirrored(ReplicaEntry.fromJson(e.getValue())));
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      mirror.put(e.getKey(), new Mirrored(ReplicaEntry.fromJson(e.getValue())));
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      mirror.remove(e.getKey());
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> e) {
      mirror.remove(e.getKey());
    }
  }
}
