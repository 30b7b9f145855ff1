/**
 * The pipeline diagram's geometry: the flow runs left to right on one row, each dead-letter queue
 * sits on a second row under what feeds it.
 */

/** The width of every box in the diagram. */
export const BOX_W = 112;
/** The top of the flow's row. */
export const FLOW_Y = 40;
/** The top of the dead-letter queues' row. */
export const DLQ_Y = 196;
/** The height of a queue's box. */
export const QUEUE_H = 108;
/** The left edge of the flow's `i`th node. */
export const X = (i: number) => 10 + i * 124;
