// @ts-check

/**
 * What each recorded action did: accepted or refused (and why), and the canary's phase and weight before and after,
 * as the audit event has them. Rows from before this migration read as accepted with nothing else known. Refused
 * attempts made when a canary had no run yet belong to no run; the time index lets retention find them.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('delivery_actors', table => {
    table.string('outcome', 20).notNullable().defaultTo('accepted');
    table.string('refusal', 20).nullable();
    table.text('message').nullable();
    table.string('phase_before', 40).nullable();
    table.string('phase_after', 40).nullable();
    table.integer('weight_before').nullable();
    table.integer('weight_after').nullable();
    table.index(['time'], 'delivery_actors_time_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('delivery_actors', table => {
    table.dropIndex(['time'], 'delivery_actors_time_idx');
    table.dropColumns('outcome', 'refusal', 'message', 'phase_before', 'phase_after', 'weight_before', 'weight_after');
  });
};
