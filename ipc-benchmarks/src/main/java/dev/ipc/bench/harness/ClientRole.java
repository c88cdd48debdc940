package dev.ipc.bench.harness;

import dev.ipc.crypto.noise.NoiseSuite;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import dev.ipc.bench.Payloads;

/**
 * The command loop of a client JVM. Reads commands from stdin, answers one
 * {@code RESULT ...} line per command on stdout (everything else goes to stderr):
 * <ul>
 * <li>{@code rtt SIZE MILLIS} → {@code RESULT n=… p50=… p99=… p999=…} (nanoseconds)</li>
 * <li>{@code tput SIZE INFLIGHT MILLIS} → {@code RESULT ops=…}</li>
 * <li>{@code oneway SIZE MILLIS} → {@code RESULT msgs=…} ({@code NaN} if
 * unsupported)</li>
 * <li>{@code connect COUNT} → {@code RESULT n=… p50=… min=… max=…} (nanoseconds)</li>
 * <li>{@code handshake MILLIS} → {@code RESULT p50=…} (nanoseconds of CPU per in-process
 * handshake)</li>
 * <li>{@code warmup MILLIS} → every measurement on every payload until the time is spent;
 * {@code RESULT done}</li>
 * <li>{@code quit}</li>
 * </ul>
 */
final class ClientRole {

	private ClientRole() {
	}

	static void run(BenchClient client, PrintStream out) throws Exception {
		out.println("READY");
		out.flush();
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String line;
		try {
			while ((line = in.readLine()) != null) {
				String[] a = line.trim().split("\\s+");
				String result;
				try {
					result = execute(client, a);
				}
				catch (Exception | Error ex) {
					ex.printStackTrace();
					result = "ERROR " + ex;
				}
				if (result == null) {
					break;
				}
				out.println(result);
				out.flush();
			}
		}
		finally {
			client.close();
		}
	}

	private static String execute(BenchClient client, String[] a) throws Exception {
		switch (a[0]) {
			case "rtt": {
				long[] s = Stats.sorted(client.roundTrips(Integer.parseInt(a[1]), ms(a[2])));
				return String.format(Locale.ROOT, "RESULT n=%d p50=%d p99=%d p999=%d", s.length,
						Stats.percentile(s, 0.50), Stats.percentile(s, 0.99), Stats.percentile(s, 0.999));
			}
			case "tput": {
				double ops = client.callsPerSecond(Integer.parseInt(a[1]), Integer.parseInt(a[2]), ms(a[3]));
				return String.format(Locale.ROOT, "RESULT ops=%.1f n=%.0f", ops, ops * ms(a[3]) / 1e9);
			}
			case "oneway": {
				long start = System.nanoTime();
				double msgs = client.messagesPerSecond(Integer.parseInt(a[1]), ms(a[2]));
				return String.format(Locale.ROOT, "RESULT msgs=%.1f n=%.0f", msgs,
						msgs * (System.nanoTime() - start) / 1e9);
			}
			case "connect", "connect-surviving": {
				int count = Integer.parseInt(a[1]);
				long[] s = Stats
					.sorted(a[0].equals("connect") ? client.connects(count) : client.survivingConnects(count));
				if (s.length == 0) {
					return "RESULT n=0 p50=NaN";
				}
				return String.format(Locale.ROOT, "RESULT n=%d p50=%d min=%d max=%d", s.length,
						Stats.percentile(s, 0.5), s[0], s[s.length - 1]);
			}
			case "handshake": {
				NoiseSuite suite = (a.length > 2) ? NoiseSuite.valueOf(a[2]) : NoiseSuite.DEFAULT;
				return String.format(Locale.ROOT, "RESULT p50=%.1f", client.handshakeNanos(suite, ms(a[1])));
			}
			case "warmup": {
				long end = System.nanoTime() + ms(a[1]);
				long slice = Math.max(ms(a[1]) / 40, 50_000_000L);
				while (System.nanoTime() < end) {
					for (int size : Payloads.SIZES) {
						client.roundTrips(size, slice);
						client.callsPerSecond(size, 32, slice);
						client.messagesPerSecond(size, slice);
					}
					client.connects(3);
					client.survivingConnects(3);
					client.handshakeNanos(NoiseSuite.DEFAULT, slice);
				}
				return "RESULT done";
			}
			case "quit":
				return null;
			default:
				return "ERROR unknown command " + a[0];
		}
	}

	private static long ms(String millis) {
		return Long.parseLong(millis) * 1_000_000L;
	}

}
