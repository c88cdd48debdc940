package dev.ipc.spring.annotation;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.model.IpcPayload;
import dev.ipc.rpc.RpcRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link PayloadTypes}.
 */
class PayloadTypesTest {

	private final JsonMapper mapper = PayloadCodec.defaults().mapper();

	@Test
	void recordsUnitRecordsAndJdkTypesTravel() {
		for (Class<?> type : List.of(Data.class, Unit.class, String.class, Integer.class, int.class, List.class,
				Map.class, Marker.class, Bean.class)) {
			assertThat(PayloadTypes.serializationProblem(this.mapper, type)).as(type.getName()).isNull();
			assertThat(PayloadTypes.deserializationProblem(this.mapper, type)).as(type.getName()).isNull();
		}
	}

	@Test
	void typesWhoseDataWouldBeLostDoNotSerialize() {
		assertThat(PayloadTypes.serializationProblem(this.mapper, Opaque.class)).contains(Opaque.class.getName())
			.contains("data would be lost");
		assertThat(PayloadTypes.serializationProblem(this.mapper, OpaqueRequest.class))
			.contains(OpaqueRequest.class.getName());
		assertThat(PayloadTypes.serializationProblem(this.mapper, AnnotatedMarker.class))
			.as("annotated but without fields: {} is faithful")
			.isNull();
	}

	@Test
	void abstractTypesWithoutTypeInformationDoNotDeserialize() {
		assertThat(PayloadTypes.deserializationProblem(this.mapper, Plain.class)).contains("@JsonTypeInfo");
		assertThat(PayloadTypes.deserializationProblem(this.mapper, Poly.class)).isNull();
		assertThat(PayloadTypes.serializationProblem(this.mapper, Plain.class)).as("runtime type decides").isNull();
	}

	@Test
	void typesJacksonCannotConstructDoNotDeserialize() {
		assertThat(PayloadTypes.deserializationProblem(this.mapper, Unconstructible.class))
			.contains(Unconstructible.class.getName(), "no constructor Jackson can use", "@JsonCreator");
		assertThat(PayloadTypes.deserializationProblem(this.mapper, Creator.class)).isNull();
		assertThat(PayloadTypes.deserializationProblem(this.mapper, Data.class)).isNull();
		assertThat(PayloadTypes.deserializationProblem(this.mapper, Bean.class)).isNull();
	}

	public record Data(int a, String b) {
	}

	/** Two constructors with arguments and no creator: Jackson can pick none. */
	public static final class Unconstructible {

		public final int a;

		public final int b;

		public Unconstructible(int a, int b) {
			this.a = a;
			this.b = b;
		}

		public Unconstructible(long sum) {
			this((int) sum, 0);
		}

	}

	/** The same, with the creator named. */
	public static final class Creator {

		public final int a;

		public final int b;

		@com.fasterxml.jackson.annotation.JsonCreator
		public Creator(@com.fasterxml.jackson.annotation.JsonProperty("a") int a,
				@com.fasterxml.jackson.annotation.JsonProperty("b") int b) {
			this.a = a;
			this.b = b;
		}

		public Creator(long sum) {
			this((int) sum, 0);
		}

	}

	public record Unit() {
	}

	/** No fields at all: {} is faithful. */
	public static final class Marker {

	}

	public static class Bean {

		public int value;

	}

	@IpcPayload("annotated-marker")
	static final class AnnotatedMarker {

	}

	static final class Opaque {

		@SuppressWarnings("unused")
		private int hidden;

	}

	@IpcPayload("opaque")
	static final class OpaqueRequest implements RpcRequest<String> {

		@SuppressWarnings("unused")
		private int hidden;

	}

	interface Plain {

	}

	@JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
	@JsonSubTypes(@JsonSubTypes.Type(value = PolyA.class, name = "a"))
	interface Poly {

	}

	public record PolyA(int x) implements Poly {
	}

}
