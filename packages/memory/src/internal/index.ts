// `@ferrite/memory/internal`: the tokenizer and the text of an event, for other memory services
// and embedders that must split and select text exactly as these do.
export { tokenizeWords } from '../text/tokenize-words.js';
export { memoryTextOf } from '../text/memory-text.js';
