package dev.ember.kv;

/**
 * Receives a manager's cache event batches, on the engine thread, once per step that changed
 * the cache. Hand them off quickly (e.g. to a publisher queue).
 *
 * <pre>{@code manager.setEventListener(batch -> publisher.offer(batch));}</pre>
 */
@FunctionalInterface
public interface KvEventListener {

  void onBatch(KvEventBatch batch);
}
