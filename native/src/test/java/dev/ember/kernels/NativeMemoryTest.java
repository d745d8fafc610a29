package dev.ember.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeMemoryTest {
  @Test
  void allocationsAreCountedAndReturned() {
    long before = EmberNative.ember_allocated_bytes();
    long p = EmberNative.ember_alloc(1 << 20);
    assertNotEquals(0, p);
    assertEquals(0, p % 64, "64-byte aligned");
    assertEquals(before + (1 << 20), EmberNative.ember_allocated_bytes());
    EmberNative.ember_free(p);
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void mapsAFileAndNamesAMissingOne(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("w.bin");
    Files.write(f, new byte[] {1, 2, 3, 4, 5});
    long[] size = new long[1];
    long addr = EmberNative.ember_map_file(f.toString(), size);
    assertNotEquals(0, addr);
    assertEquals(5, size[0]);
    assertEquals(0, EmberNative.ember_unmap(addr, size[0]));

    Path missing = dir.resolve("nope.bin");
    assertEquals(0, EmberNative.ember_map_file(missing.toString(), size));
    assertTrue(EmberNative.ember_last_error().contains("nope.bin"), EmberNative.ember_last_error());
  }

  @Test
  void quantizedSizesFollowGgufBlocks() {
    assertEquals(34, EmberNative.ember_dtype_bytes(3, 32));
    assertEquals(18 * 3, EmberNative.ember_dtype_bytes(4, 96));
    assertEquals(2 * 7, EmberNative.ember_dtype_bytes(2, 7));
  }
}
