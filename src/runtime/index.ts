// The child runtime's public surface, for the bundler: runChild is what every bundle calls.
export { runChild, type BotDescription } from './child.js';
