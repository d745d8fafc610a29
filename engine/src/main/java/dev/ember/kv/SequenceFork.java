package dev.ember.kv;

/**
 * The result of {@link KvCacheManager#fork}: the child sequence, and the one block copy the
 * native side must make (with {@code ember_kv_copy_blocks}) before the child's next step when
 * the parent's last block was only partly filled.
 *
 * @param copySrc the parent's partial last block, or -1 when nothing needs copying
 * @param copyDst the child's own copy of it, or -1
 */
public record SequenceFork(KvSequence child, int copySrc, int copyDst) {

  public boolean needsCopy() {
    return copySrc >= 0;
  }
}
