// An SMTP sink for the compose test, run in its own container on the compose network (node from the repository
// mounted read-only): a real SMTP server (smtp-server) that prints each message it receives as one JSON line, which
// the test reads back from `docker-compose logs smtp-sink`.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    simpleParser(stream)
      .then((mail) => {
        const to = mail.to && 'text' in mail.to ? mail.to.text : '';
        process.stdout.write(`MAIL ${JSON.stringify({ to, subject: mail.subject, text: mail.text })}\n`);
        callback();
      })
      .catch(callback);
  },
});
server.listen(2525, '0.0.0.0', () => process.stdout.write('smtp-sink listening on 2525\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
