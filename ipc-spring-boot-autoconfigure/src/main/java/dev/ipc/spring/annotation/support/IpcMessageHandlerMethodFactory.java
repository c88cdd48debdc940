package dev.ipc.spring.annotation.support;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.MethodParameter;
import org.springframework.core.convert.ConversionService;
import org.springframework.format.support.DefaultFormattingConversionService;
import org.springframework.messaging.converter.MessageConverter;
import org.springframework.messaging.handler.annotation.support.DefaultMessageHandlerMethodFactory;
import org.springframework.messaging.handler.annotation.support.HeaderMethodArgumentResolver;
import org.springframework.messaging.handler.annotation.support.HeadersMethodArgumentResolver;
import org.springframework.messaging.handler.annotation.support.MessageMethodArgumentResolver;
import org.springframework.messaging.handler.invocation.HandlerMethodArgumentResolver;
import org.springframework.validation.Validator;

import dev.ipc.codec.PayloadCodec;

/**
 * The
 * {@link org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory}
 * annotated IPC handlers are invoked through, registered by the auto-configuration as
 * {@value #BEAN_NAME}. Parameters resolve, in this order: {@code @Header},
 * {@code @Headers} / {@code MessageHeaders}, {@code @IpcTopic String}, {@code Source},
 * {@code IncomingMessage}, {@code RpcContext}, {@code Message<T>}, the custom resolvers
 * (from {@code IpcHandlerConfigurer} beans), and last the payload
 * ({@link IpcPayloadArgumentResolver}). The payload reaches the method as the client's
 * {@link PayloadCodec} decoded it; conversions of raw payloads use the same codec
 * ({@link PayloadCodecMessageConverter}).
 *
 * <p>
 * Because it knows its resolvers, startup can tell which parameter is the payload and
 * refuse a parameter that nothing resolves. A factory of your own under the same bean
 * name replaces this one; see {@link #ipcArgumentResolvers()}.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcMessageHandlerMethodFactory extends DefaultMessageHandlerMethodFactory {

	/**
	 * The bean name the handlers' factory is looked up by; define a bean of this name to
	 * replace it.
	 */
	public static final String BEAN_NAME = "ipcMessageHandlerMethodFactory";

	private ConversionService conversionService = new DefaultFormattingConversionService();

	private MessageConverter converter;

	private @Nullable Validator validator;

	private List<HandlerMethodArgumentResolver> customResolvers = List.of();

	private @Nullable BeanFactory beanFactory;

	private volatile List<HandlerMethodArgumentResolver> nonPayloadResolvers = List.of();

	/**
	 * Creates a new instance.
	 * @param codec the client's codec, for conversions of raw payloads
	 */
	public IpcMessageHandlerMethodFactory(PayloadCodec codec) {
		this.converter = new PayloadCodecMessageConverter(codec);
		super.setMessageConverter(this.converter);
	}

	/**
	 * The resolvers of the IPC parameters ({@code @IpcTopic String}, {@code Source},
	 * {@code IncomingMessage}, {@code RpcContext}), to add to a
	 * {@code DefaultMessageHandlerMethodFactory} of your own with
	 * {@code setCustomArgumentResolvers}.
	 * @return new resolvers
	 */
	public static List<HandlerMethodArgumentResolver> ipcArgumentResolvers() {
		return List.of(HeaderValueArgumentResolver.topic(), HeaderValueArgumentResolver.source(),
				HeaderValueArgumentResolver.incomingMessage(), HeaderValueArgumentResolver.rpcContext(),
				HeaderValueArgumentResolver.deliveryKind());
	}

	@Override
	public void setConversionService(ConversionService conversionService) {
		this.conversionService = conversionService;
		super.setConversionService(conversionService);
	}

	@Override
	public void setMessageConverter(MessageConverter messageConverter) {
		this.converter = messageConverter;
		super.setMessageConverter(messageConverter);
	}

	@Override
	public void setValidator(Validator validator) {
		this.validator = validator;
		super.setValidator(validator);
	}

	@Override
	public void setCustomArgumentResolvers(List<HandlerMethodArgumentResolver> customArgumentResolvers) {
		this.customResolvers = List.copyOf(customArgumentResolvers);
		super.setCustomArgumentResolvers(customArgumentResolvers);
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
		super.setBeanFactory(beanFactory);
	}

	@Override
	protected List<HandlerMethodArgumentResolver> initArgumentResolvers() {
		ConfigurableBeanFactory configurable = (this.beanFactory instanceof ConfigurableBeanFactory cbf) ? cbf : null;
		List<HandlerMethodArgumentResolver> resolvers = new ArrayList<>();
		resolvers.add(new HeaderMethodArgumentResolver(this.conversionService, configurable));
		resolvers.add(new HeadersMethodArgumentResolver());
		resolvers.addAll(ipcArgumentResolvers());
		resolvers.add(new MessageMethodArgumentResolver(this.converter));
		resolvers.addAll(this.customResolvers);
		this.nonPayloadResolvers = List.copyOf(resolvers);
		resolvers.add(new IpcPayloadArgumentResolver(this.converter, this.validator));
		return resolvers;
	}

	/**
	 * Whether a parameter is resolved by something other than the payload resolver (once
	 * initialized).
	 * @param parameter the parameter
	 * @return whether a header, IPC, message or custom resolver takes it
	 */
	public boolean resolvesBesidesPayload(MethodParameter parameter) {
		for (HandlerMethodArgumentResolver resolver : this.nonPayloadResolvers) {
			if (resolver.supportsParameter(parameter)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether this factory was initialized with its own resolvers, so
	 * {@link #resolvesBesidesPayload} is reliable.
	 */
	public boolean knowsItsResolvers() {
		return !this.nonPayloadResolvers.isEmpty();
	}

}
