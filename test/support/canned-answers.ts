// Answers an SDK client's commands in-process, through a middleware on its real stack: the
// client builds and validates each command as usual, and nothing reaches the network.
export type CannedAnswer = (
  command: string,
  input: Record<string, unknown>,
) => object | Error | Promise<object | Error>;

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: unknown,
        context: { commandName?: string },
      ) => (args: { input?: unknown }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Every command of `client` gets `answer`'s output (`XxxCommand` named `Xxx`); an Error is thrown. */
export function answerCommands(client: object, answer: CannedAnswer, name = 'cannedAnswers') {
  (client as MiddlewareClient).middlewareStack.add(
    (_next, context) => async (args) => {
      const command = (context.commandName ?? '').replace(/Command$/, '');
      const output = await answer(command, (args.input ?? {}) as Record<string, unknown>);
      if (output instanceof Error) throw output;
      return { output: { $metadata: {}, ...output }, response: {} };
    },
    { step: 'initialize', name },
  );
}
