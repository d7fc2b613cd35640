import { z } from 'zod';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const printable = (s: string) => !/[\p{Cc}\p{Cs}]/u.test(s);

/** `POST /api/orders`: integer cents, bounded so that totals stay exact in JSON numbers. */
export const orderBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        sku: z
          .string()
          .regex(
            /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
            'must be 1-64 characters of A-Z a-z 0-9 . _ -',
          ),
        quantity: z.number().int().min(1).max(1000),
        unitPriceCents: z.number().int().min(0).max(100_000_000),
      }),
    )
    .min(1)
    .max(100),
  currency: z
    .string()
    .refine((c) => /^[A-Z]{3}$/.test(c) && CURRENCIES.has(c), 'must be an ISO 4217 currency code'),
});

/** `PATCH /api/orders/:id`: only cancellation is a client's to make. */
export const orderPatchBody = z.strictObject({ status: z.literal('cancelled') });

/** `POST /api/users`: an optional display name. */
export const profileBody = z.strictObject({
  name: z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().min(1).max(100).refine(printable, 'must not contain control characters'))
    .nullable()
    .optional(),
});

/** `GET /api/orders` query; other parameters are ignored, as is usual for query strings. */
export const listQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be an integer from 1 to 100')
    .transform(Number)
    .pipe(z.number().int().min(1).max(100))
    .optional(),
  // an empty `?cursor=` is not the first page but a cursor this API never issued (400)
  cursor: z.string().optional(),
});

/** An `Idempotency-Key` header: 1-255 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

/** An order id in a path. */
export const ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
