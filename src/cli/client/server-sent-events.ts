// A reader of text/event-stream as the HTML standard's EventSource parses it: lines end at
// CR, LF or CRLF; `data:` lines are joined with LF; a blank line dispatches; comments and
// events without data are dropped; `id:` persists until changed.

export interface ServerSentEvent {
  /** The last event id seen so far (what a reconnect sends as Last-Event-ID). */
  id: string | undefined;
  event: string;
  data: string;
}

export async function* readServerSentEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let lastId: string | undefined;
  const field = (line: string): ServerSentEvent | undefined => {
    if (line === '') {
      const dispatched = data.length > 0 ? { id: lastId, event: event || 'message', data: data.join('\n') } : undefined;
      data = [];
      event = '';
      return dispatched;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data.push(value);
    else if (name === 'event') event = value;
    else if (name === 'id' && !value.includes('\0')) lastId = value;
    return undefined;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = buffer.search(/[\r\n]/);
      if (end === -1) break;
      // A CR at the end of what arrived may be the first half of a CRLF.
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(buffer[end] === '\r' && buffer[end + 1] === '\n' ? end + 2 : end + 1);
      const dispatched = field(line);
      if (dispatched) yield dispatched;
    }
  }
}
