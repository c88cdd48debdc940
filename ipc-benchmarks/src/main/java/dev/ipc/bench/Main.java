package dev.ipc.bench;

import java.util.Arrays;

import dev.ipc.bench.harness.Harness;
import dev.ipc.bench.harness.Roles;

/**
 * {@code java -jar ipc-benchmarks.jar harness [options]} runs the cross-process harness;
 * {@code jmh [JMH options]} (or any JMH arguments) runs the JMH benchmarks;
 * {@code nats [options]} runs the NATS section; {@code large [options]} the large-message
 * benchmark; {@code role ...} is how the harness starts its child JVMs.
 */
public final class Main {

	private Main() {
	}

	public static void main(String[] args) throws Exception {
		String command = (args.length > 0) ? args[0] : "";
		String[] rest = (args.length > 0) ? Arrays.copyOfRange(args, 1, args.length) : args;
		switch (command) {
			case "harness" -> Harness.main(rest);
			case "role" -> Roles.main(rest);
			case "probe" -> dev.ipc.bench.harness.Probe.main(rest);
			case "nats" -> dev.ipc.bench.nats.NatsBench.main(rest);
			case "fanout" -> dev.ipc.bench.fanout.FanoutBench.main(rest);
			case "large" -> dev.ipc.bench.large.LargeBench.main(rest);
			case "jmh" -> org.openjdk.jmh.Main.main(rest);
			default -> org.openjdk.jmh.Main.main(args);
		}
	}

}
