/**
 * The pipeline diagram's geometry: the requestor on the left and the generator on the right,
 * each drawn once, and between them a lane per queue (request, response, ack), each queue beside
 * its dead-letter queue; the schedule and the requestor's failed-invocation queues on the far left.
 */

/** The diagram's size. */
export const WIDTH = 840;
export const HEIGHT = 460;
/** A queue's box. */
export const BOX_W = 112;
export const QUEUE_H = 108;
/** A function's box, as tall as the three lanes. */
export const FN_W = 130;
export const FN_TOP = 22;
export const FN_H = 418;
/** Left edges of the columns. */
export const SIDE_X = 10;
export const REQUESTOR_X = 170;
export const NEAR_X = 350;
export const FAR_X = 490;
export const GENERATOR_X = 670;

/** The top of lane `i`: its arrows run along the top, its boxes below them. */
export const laneTop = (i: number) => 10 + i * 150;
/** Where lane `i`'s boxes start. */
export const boxTop = (i: number) => laneTop(i) + 12;
/** The middle of lane `i`'s boxes, where arrows meet them. */
export const boxMid = (i: number) => boxTop(i) + QUEUE_H / 2;
