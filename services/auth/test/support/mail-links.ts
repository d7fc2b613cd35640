import { readMail, waitForMail } from './mailpit.js';

/** The token of the newest link mailed to `address` (`#token=...`), once `count` mails arrived. */
export async function linkTokenMailedTo(
  mailpit: string,
  address: string,
  count = 1,
): Promise<{ token: string; subject: string; text: string }> {
  const [newest] = await waitForMail(mailpit, address, count);
  if (!newest) throw new Error(`no mail to ${address}`);
  const message = await readMail(mailpit, newest.ID);
  const token = /#token=([A-Za-z0-9_-]{43})/.exec(message.Text)?.[1];
  if (!token) throw new Error(`no link token in the mail "${message.Subject}"`);
  return { token, subject: message.Subject, text: message.Text };
}
