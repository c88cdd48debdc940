package dev.ipc.spring.boot.autoconfigure.restart;

import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.spring.boot.autoconfigure.IpcAutoConfiguration;
import dev.ipc.spring.leakprobe.ProbeConfiguration;
import dev.ipc.transport.memory.InMemoryBus;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Devtools restarts: an application's classes come from a restart class loader that is
 * dropped when the context closes. Nothing of the IPC stack (static caches keyed by
 * class, Jackson, handler metadata, threads and their context class loader) may keep that
 * loader alive, or every restart leaks a whole application's classes.
 *
 * <p>
 * Spring's caches hold classes through soft references, which a plain {@code System.gc()}
 * keeps; the module's surefire configuration runs with
 * {@code -XX:SoftRefLRUPolicyMSPerMB=0} so they go at the first collection, as devtools
 * forces them to go on a restart. What this test catches is a strong reference.
 */
class RestartClassLoaderTest {

	private static final String PROBE_PACKAGE = ProbeConfiguration.class.getPackageName() + ".";

	@Test
	void aClosedContextsClassLoaderCanBeCollected() throws Exception {
		// Spring Boot keeps a few JVM-wide singletons made by the first context of the
		// JVM (BindConverter's shared
		// instance holds the context class loader it was made under); devtools' first
		// context runs before any
		// restart, so prime them with a context of the test's own loader, as a real first
		// start would
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, IpcAutoConfiguration.class))
			.withPropertyValues("ipc.transport.type=in-memory", "ipc.endpoint=first-start")
			.run(context -> assertThat(context).hasNotFailed());
		WeakReference<ClassLoader> loader = runOneRestartGeneration();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
			System.gc();
			return loader.get() == null;
		});
	}

	/**
	 * Starts the probe application from a fresh loader, exercises RPC and pub/sub, closes
	 * it; returns the loader.
	 */
	private static WeakReference<ClassLoader> runOneRestartGeneration() throws Exception {
		URL classes = ProbeConfiguration.class.getProtectionDomain().getCodeSource().getLocation();
		RestartLoader loader = new RestartLoader(new URL[] { classes }, RestartClassLoaderTest.class.getClassLoader());
		Class<?> configuration = loader.loadClass(ProbeConfiguration.class.getName());
		assertThat(configuration.getClassLoader()).isSameAs(loader);
		Thread thread = Thread.currentThread();
		ClassLoader previous = thread.getContextClassLoader();
		thread.setContextClassLoader(loader); // as devtools does for the restarted main
												// thread
		try {
			InMemoryBus bus = new InMemoryBus();
			new ApplicationContextRunner().withClassLoader(loader)
				.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, IpcAutoConfiguration.class))
				.withBean(InMemoryBus.class, () -> bus)
				.withUserConfiguration(configuration)
				.withPropertyValues("ipc.transport.type=in-memory", "ipc.endpoint=app")
				.run(context -> {
					assertThat(context).hasNotFailed();
					try (IpcClient peer = IpcClient.builder()
						.name("restart-peer")
						.backend(bus.connect(new Source.Named("peer", System.getProperty("user.name"))))
						.build()) {
						peer.start();
						Class<?> ask = loader.loadClass(PROBE_PACKAGE + "ProbeConfiguration$Ask");
						RpcRequest<?> request = (RpcRequest<?>) ask.getDeclaredConstructor(String.class)
							.newInstance("why");
						Object answer = peer.request(request, Endpoint.named("app")).get(30, TimeUnit.SECONDS);
						assertThat(answer.toString()).contains("answer to why");
						Class<?> event = loader.loadClass(PROBE_PACKAGE + "ProbeConfiguration$Event");
						peer.send(event.getDeclaredConstructor(int.class).newInstance(3), Endpoint.named("app"));
						Object handlers = context
							.getBean(loader.loadClass(PROBE_PACKAGE + "ProbeConfiguration$ProbeHandlers"));
						Object events = handlers.getClass().getField("events").get(handlers);
						await().atMost(Duration.ofSeconds(30))
							.until(() -> ((java.util.concurrent.atomic.AtomicInteger) events).get() == 3);
					}
				});
		}
		finally {
			thread.setContextClassLoader(previous);
		}
		return new WeakReference<>(loader);
	}

	/**
	 * Child-first for the probe application's package, like devtools' restart class
	 * loader for project classes.
	 */
	private static final class RestartLoader extends URLClassLoader {

		RestartLoader(URL[] urls, ClassLoader parent) {
			super("restart", urls, parent);
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			if (!name.startsWith(PROBE_PACKAGE)) {
				return super.loadClass(name, resolve);
			}
			synchronized (getClassLoadingLock(name)) {
				Class<?> loaded = findLoadedClass(name);
				if (loaded == null) {
					loaded = findClass(name);
				}
				if (resolve) {
					resolveClass(loaded);
				}
				return loaded;
			}
		}

	}

}
