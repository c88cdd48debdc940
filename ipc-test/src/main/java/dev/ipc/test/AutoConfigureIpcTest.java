package dev.ipc.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * Runs the test's application context on the in-memory transport and adds an
 * {@link IpcTestClient} bean.
 *
 * <p>
 * Whatever {@code ipc.transport.*} the application configures, the context under test
 * uses {@code ipc.transport.type=in-memory} on a bus that belongs to that context alone:
 * handlers, crypto provider, codec and every other IPC setting stay as the application
 * configures them. The {@link IpcTestClient} is a second client on the same bus,
 * reachable as {@link #clientEndpoint()}, using the same crypto provider type and payload
 * codec as the application, so a test exercises the same encryption and serialization as
 * production.
 *
 * <pre>{@code
 * &#64;SpringBootTest

 * &#64;AutoConfigureIpcTest
 * class VaultHandlersTest {
 *     &#64;Autowired IpcTestClient ipc;
 *
 *
&#64;Test
 *     void answersFetch() {
 *         assertThat(ipc.request(new FetchCredential("sync-account")).name()).isEqualTo("sync-account");
 *     }
 * }
 * }</pre>
 *
 * Fails the context start, with a message saying what to change, when the application's
 * endpoint is not a named endpoint or equals {@link #clientEndpoint()}.
 *
 * @author IPC contributors
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration(IpcTestAutoConfiguration.class)
public @interface AutoConfigureIpcTest {

	/**
	 * The endpoint name the {@link IpcTestClient} is reachable under; the application
	 * sends to it by this name.
	 */
	String clientEndpoint() default "test-client";

	/**
	 * How long {@link IpcTestClient#request} and {@link IpcTestClient#await} wait, in a
	 * format {@link java.time.Duration#parse} or Spring's simple style ({@code 5s},
	 * {@code 500ms}) accepts.
	 */
	String timeout() default "10s";

}
