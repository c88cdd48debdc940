package dev.ipc.bench.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** One host JVM with 1, 10 and 100 peers (in a second JVM): aggregate pub/sub and RPC throughput, idle memory. */
final class ScaleRun {

	ScaleRun(boolean quick, Path logDir, Path workDir, List<String> jvm) {
	}

	Map<String, String> run() {
		throw new UnsupportedOperationException("needs the socket transport");
	}

}
