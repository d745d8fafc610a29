package dev.ember.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeHeapTrimTest {
  @Test
  void trimsTheCHeapThroughTheJvmsDiagnosticCommand() {
    // Freed malloc memory is what a trim can return; make some first.
    for (int i = 0; i < 64; i++) {
      java.nio.ByteBuffer.allocateDirect(1 << 20);
    }
    System.gc();
    String report = NativeHeapTrim.trim();
    // glibc on Linux (the CI machine) reports the resident size before and after.
    assertTrue(report.startsWith("Trim native heap: RSS+Swap: ") && report.contains("->"), report);
  }
}
