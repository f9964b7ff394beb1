// @ts-check

/**
 * Approval gates: one row per canary run and gate type, and one vote per actor on it. Votes are unique per
 * (gate, actor) so a double click or two replicas recording the same approval store it once.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('delivery_gates', table => {
    table.increments('id').primary();
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('canary', 255).notNullable();
    // Identifies one run of the canary (derived from its status), so approvals never leak into the next run.
    table.string('run_key', 255).notNullable();
    table.string('gate_type', 40).notNullable();
    table.integer('required_approvals').notNullable().defaultTo(1);
    table.string('created_at', 40).notNullable();
    table.string('updated_at', 40).notNullable();
    table.unique(['cluster', 'namespace', 'canary', 'run_key', 'gate_type'], { indexName: 'delivery_gates_key_idx' });
  });
  await knex.schema.createTable('delivery_gate_votes', table => {
    table.increments('id').primary();
    table.integer('gate_id').notNullable().references('id').inTable('delivery_gates').onDelete('CASCADE');
    table.string('actor', 255).notNullable();
    table.string('decision', 20).notNullable();
    table.text('comment').nullable();
    table.string('time', 40).notNullable();
    table.unique(['gate_id', 'actor'], { indexName: 'delivery_gate_votes_actor_idx' });
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('delivery_gate_votes');
  await knex.schema.dropTable('delivery_gates');
};
