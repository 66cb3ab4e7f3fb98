package dev.coupongateway.system;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Starts every request's handling in a later task of its own event loop. Reactor Netty stops reading a
 * keep-alive connection when a request it had queued behind the previous one completes synchronously
 * (reactor/reactor-netty#4361): an answer made without any I/O (a 401 from the security chain, a 400
 * for a malformed id, a "sold out" from memory) left the client's next request on that connection
 * unanswered, seen here as claims that never got an answer under concurrency. Deferring the start past
 * the current read costs no thread hop.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class KeepAliveGuard implements WebFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		EventExecutor loop = ThreadExecutorMap.currentExecutor();
		if (loop == null) {
			return chain.filter(exchange);
		}
		return Mono.<Void>create((sink) -> loop.execute(sink::success)).then(Mono.defer(() -> chain.filter(exchange)));
	}

}
