package dev.ember.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.zip.Checksum;

/**
 * Reads byte ranges of weight files on several threads at load time: to check a cache file's checksums
 * and to bring mapped weights into the page cache with large sequential reads instead of the first
 * forward's page faults. Each thread reuses one direct buffer.
 *
 * <pre>{@code String bad = ParallelRead.run(n, threads, i -> check(i)); }</pre>
 */
final class ParallelRead {
  private static final int BUFFER = 4 << 20;
  private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

  private ParallelRead() {}

  /** Runs {@code task(0..n-1)} on up to {@code threads} threads; returns the first non-null result (an error), or null. */
  static String run(int n, int threads, IntFunction<String> task) throws IOException {
    int workers = Math.max(1, Math.min(threads, n));
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "ember-weight-read");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        results.add(pool.submit(() -> {
          for (int i; (i = next.getAndIncrement()) < n; ) {
            String bad = task.apply(i);
            if (bad != null) {
              return bad;
            }
          }
          return null;
        }));
      }
      String first = null;
      for (Future<String> f : results) {
        String bad = f.get();
        first = first == null ? bad : first;
      }
      return first;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading weights", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
      throw c instanceof IOException io ? io : new IOException(c);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Reads {@code [position, position + length)} of the channel, feeding {@code checksum} when not null. */
  static void readRange(FileChannel ch, long position, long length, Checksum checksum) {
    ByteBuffer buf = BUFFERS.get();
    try {
      for (long pos = position, end = position + length; pos < end; ) {
        buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
        while (buf.hasRemaining()) {
          int n = ch.read(buf, pos + buf.position());
          if (n < 0) {
            throw new IOException("unexpected end of file at " + (pos + buf.position()));
          }
        }
        buf.flip();
        pos += buf.remaining();
        if (checksum != null) {
          checksum.update(buf);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
