/**
 * A chat box: a scrolling message list and an input line. The caller sends messages with the
 * `onSend` callback and shows received ones (and its own, once sent) with `add`.
 */
import { h } from './dom.ts';

/** One chat line. */
export interface ChatMessage {
  /** Sender's display name; absent for system lines ("Bob joined"). */
  readonly from?: string;
  readonly text: string;
  /** CSS colour of the sender's name (e.g. the player's colour). */
  readonly colour?: string;
}

/** Options of `createChat`. */
export interface ChatOptions {
  /** Called with the trimmed text when the user sends a non-empty message. */
  readonly onSend: (text: string) => void;
  /** Longest message accepted (default 200 characters). */
  readonly maxLength?: number;
  /** Most lines kept (default 200; the oldest go). */
  readonly maxMessages?: number;
  readonly placeholder?: string;
}

/** A mounted chat box. */
export interface Chat {
  readonly element: HTMLElement;
  /** Appends a message and scrolls to it. */
  add(message: ChatMessage): void;
  /** Enables or disables the input (e.g. while disconnected). */
  setEnabled(enabled: boolean): void;
  destroy(): void;
}

/** Mounts a chat box into `host`. */
export function createChat(host: HTMLElement, options: ChatOptions): Chat {
  const maxLength = options.maxLength ?? 200;
  const maxMessages = options.maxMessages ?? 200;
  const list = h('ol', { class: 'chat-list', 'aria-live': 'polite', 'data-testid': 'chat-list' });
  const input = h('input', { type: 'text', class: 'chat-input', maxlength: maxLength, placeholder: options.placeholder ?? 'Say something…', 'aria-label': 'chat message', autocomplete: 'off' });
  const send = h('button', { type: 'submit', text: 'Send' });
  const form = h('form', { class: 'chat-form' }, input, send);
  const element = h('section', { class: 'chat', 'aria-label': 'chat', 'data-testid': 'chat' }, list, form);
  host.append(element);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim().slice(0, maxLength);
    if (text.length === 0) return;
    input.value = '';
    options.onSend(text);
  });
  return {
    element,
    add(message: ChatMessage): void {
      const item = h('li', { class: message.from === undefined ? 'chat-system' : 'chat-line' });
      if (message.from !== undefined) {
        const who = h('strong', { text: `${message.from}: ` });
        if (message.colour !== undefined) who.style.color = message.colour;
        item.append(who);
      }
      item.append(message.text);
      list.append(item);
      while (list.children.length > maxMessages) list.firstElementChild?.remove();
      list.scrollTop = list.scrollHeight;
    },
    setEnabled(enabled: boolean): void {
      input.disabled = !enabled;
      send.disabled = !enabled;
    },
    destroy(): void {
      element.remove();
    },
  };
}
