package dev.ember.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DevicePlanTest {
  @TempDir Path dir;
  CpuTopology topology;

  @BeforeEach
  void eightCpusTwoNodes() throws Exception {
    new SysfsTree(dir).online("0-7").node(0, "0-3").node(1, "4-7");
    topology = CpuTopology.read(dir, null);
  }

  private List<String> names(String spec) {
    return DevicePlan.resolve(DeviceSpec.parseList(spec), topology).stream().map(DeviceContext::name).toList();
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "cpu;cpu", "cpu:0-3;cpu:0-3", "cpu:0,cpu:1;cpu:0|cpu:1", "cpu:0,2,cpu:4-5;cpu:0,2|cpu:4-5",
      "numa:1;numa:1", "numa:all;numa:0|numa:1", "cuda:0;cuda:0", "npu:3,npu:4;npu:3|npu:4", " cpu:0 , cpu:1 ;cpu:0|cpu:1"})
  void specs_become_contexts(String spec, String expected) {
    assertEquals(List.of(expected.split("\\|")), names(spec));
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpu", "cpu:", "numa:", "numa:x", "cuda", "cuda:-1", "cpu:0-3;", "", "CPU"})
  void malformed_specs_name_the_grammar(String spec) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DevicePlan.resolve(DeviceSpec.parseList(spec), topology));
    assertTrue(e.getMessage().contains("cpu"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"cpu|cpu|cpu", "cpu:0-3|cpu:0-3|cpu:0-3;weights=replicate",
      "numa:1|cpu:4-7;node=1|cpu:4-7;node=1;weights=replicate", "cuda:0|cuda:0|cuda:0"})
  void the_native_device_binds_a_numa_context_to_its_node_and_asks_for_a_weight_copy_when_replicating(String spec,
      String shared, String replicated) {
    DeviceContext c = DevicePlan.resolve(DeviceSpec.parseList(spec), topology).get(0);
    assertEquals(shared, WeightPlacement.SHARED.nativeDevice(c));
    assertEquals(replicated, WeightPlacement.REPLICATE_PER_NODE.nativeDevice(c));
  }

  @Test
  void a_core_set_records_its_node_when_it_fits_in_one() {
    List<DeviceContext> cs = DevicePlan.resolve(DeviceSpec.parseList("cpu:4-5,cpu:2-3"), topology);
    assertEquals(1, cs.get(0).node());
    assertEquals(0, cs.get(1).node());
    assertEquals(-1, DevicePlan.resolve(DeviceSpec.parseList("cpu:3-4"), topology).get(0).node());
  }

  @Test
  void contexts_sharing_a_cpu_are_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> names("cpu:0-4,numa:1"));
    assertTrue(e.getMessage().contains("share CPU 4"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> names("cpu,cpu:1"));
    assertThrows(IllegalArgumentException.class, () -> names("cuda:0,cuda:0"));
  }

  @Test
  void cpus_outside_the_host_are_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> names("cpu:6-9"));
    assertTrue(e.getMessage().contains("CPU 8-9"), e.getMessage());
  }

  @Test
  void accelerators_carry_their_index_and_no_cpus() {
    DeviceContext c = DevicePlan.resolve(DeviceSpec.parseList("npu:2"), topology).get(0);
    assertEquals("npu", c.kind());
    assertEquals(2, c.accelerator());
    assertTrue(c.cpus().isEmpty());
  }
}
