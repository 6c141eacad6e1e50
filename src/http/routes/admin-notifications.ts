import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../api-error.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';
import { actorOf } from '../staff-auth.js';

// The owner's view of messages: each booking's, or the failures (refused for good, or
// given up after retrying), and Resend for one that did not get through.

const tags = ['owner'];
const security = [{ owner: [] }];
const Status = Type.Union([
  Type.Literal('scheduled'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('given_up'),
  Type.Literal('skipped'),
  Type.Literal('withdrawn'),
]);

const NotificationSchema = Type.Object({
  id: Type.String(),
  booking: Type.String({ description: 'the booking reference' }),
  kind: Type.String({
    description: 'confirmation, cancellation, reschedule, reminder, owner_new_booking, owner_cancellation',
  }),
  channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  to: Type.String(),
  status: Status,
  attempts: Type.Integer(),
  due_at: Type.String({ format: 'date-time' }),
  sent_at: Type.Optional(Type.String({ format: 'date-time' })),
  error: Type.Optional(Type.String()),
});

export const adminNotificationRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const notifier = () => {
      if (ctx.notifier === undefined) throw new ApiError(503, 'notifications_off', 'this process sends no messages');
      return ctx.notifier;
    };

    app.get(
      '/api/admin/notifications',
      {
        schema: {
          tags,
          security,
          summary: "Messages: one booking's (?booking=<ref>), or by status (?status=failed: every failure)",
          querystring: Type.Object({
            booking: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
            status: Type.Optional(Status),
          }),
          response: { 200: Type.Array(NotificationSchema), ...errorResponses(400, 401, 503) },
        },
      },
      async (request) => {
        const { booking, status } = request.query;
        return notifier().list({
          ...(booking !== undefined && { booking: booking.toUpperCase() }),
          ...(status !== undefined && { status }),
        });
      },
    );

    app.post(
      '/api/admin/notifications/:id/resend',
      {
        schema: {
          tags,
          security,
          summary: 'Send a message again (due now, with a fresh give-up window)',
          params: Type.Object({ id: Type.String({ minLength: 3, maxLength: 60 }) }),
          response: { 200: NotificationSchema, ...errorResponses(401, 404, 409, 503) },
        },
      },
      async (request) => {
        const result = await notifier().resend(request.params.id.toUpperCase(), actorOf(request));
        if (result.ok) return result.view;
        if (result.code === 'notification_pending') {
          throw new ApiError(409, 'notification_pending', 'this message is still being sent');
        }
        throw new ApiError(404, 'notification_not_found', 'no message with that id');
      },
    );
  };
